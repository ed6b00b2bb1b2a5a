// Entry: the process's start: OpenBLAS's kernels checked (and the process re-executed with faster ones) before any BLAS call; library errors printed with the CLI's hints.
import ArgumentParser
import LinearAlgebra

@main
enum Entry {
    static func main() async {
        BLASCore.ensureFullSpeed()
        do {
            var command = try RAGCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            RAGCommand.exit(withError: CLIErrorHints.withHint(error))
        }
    }
}

// ModelVerifyCommand: `rag model verify`: recompute the model's SHA-256 sums and load it; exit 1 on any problem.
import ArgumentParser
import Foundation
import TextEmbedding

struct ModelVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-check the model in use (or --model-dir): every file's SHA-256 against its SHA256SUMS (else the release's), then load it.",
        discussion: "Exit status 1 when a file is missing, differs, or the model does not load."
    )

    @Option(help: "The model folder to check (default: the one `rag model list` marks in use).")
    var modelDir: String?

    func run() throws {
        guard let location = EncoderLoader.find(modelDir: modelDir) else {
            throw EmbeddingError.modelNotFound(searched: EncoderLoader.candidates(modelDir: modelDir).map(\.path))
        }
        var failed = 0
        for check in ModelPackage.verify(folder: location.url) {
            if check.ok {
                print("ok      \(check.file)")
            } else {
                failed += 1
                print("FAILED  \(check.file): SHA-256 \(check.actual ?? "(missing)"), expected \(check.expected)")
            }
        }
        do {
            _ = try EncoderLoader.load(from: location.url)
        } catch {
            failed += 1
            print("FAILED  load: \(error.localizedDescription)")
        }
        if failed > 0 {
            Terminal.printError("verify: \(failed) problem(s) in \(location.url.path); reinstall it with `rag model install`")
            throw ExitCode(1)
        }
        print("verified \(location.url.path)")
    }
}

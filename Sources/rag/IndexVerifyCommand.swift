// IndexVerifyCommand: `rag index verify`: recompute every checksum; exit 1 on any mismatch.
import ArgumentParser
import Foundation
import RAG
import VectorSearch

struct IndexVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every file's SHA-256 and open the index; exit status 1 when anything is wrong."
    )

    @OptionGroup var index: IndexOptions

    func run() throws {
        // A remote store checks itself (row count, keys, index); a folder's files are checksummed.
        let report = try index.remote.map { VerifyReport(files: try RemoteStores.connect($0).verify(), openProblem: nil) }
            ?? Workspace.verify(folder: index.url)
        for c in report.files {
            print(c.ok ? "ok      \(c.name)" : "FAILED  \(c.name): \(c.problem ?? "")")
        }
        // Checksums can match a file that is structurally wrong; the library opens every part too.
        if let problem = report.openProblem { print("FAILED  open: \(problem)") }
        if !report.ok {
            Terminal.printError("verify: \(report.problemCount) problem(s) in \(index.path); rebuild it with `rag index build --csv FILE`"
                                + (index.remote == nil ? "" : " --store \(index.path) (after dropping the collection), or finish an interrupted build with --resume"))
            throw ExitCode(1)
        }
        print("verified \(report.files.count) \(index.remote == nil ? "files" : "checks") in \(index.path)")
    }
}

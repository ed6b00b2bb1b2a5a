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
        let checks = try IndexStore.verify(folder: index.url)
        var failed = 0
        for c in checks {
            if c.ok {
                print("ok      \(c.name)")
            } else {
                failed += 1
                print("FAILED  \(c.name): \(c.problem ?? "")")
            }
        }
        if failed == 0 {
            // Checksums can match a file that is structurally wrong; opening every part checks that too.
            do {
                let store = try index.open()
                if store.hasIVF { _ = try store.ivf() }
                _ = try LinearHead.load(from: store)
            } catch {
                print("FAILED  open: \(error.localizedDescription)")
                failed += 1
            }
        }
        if failed > 0 {
            Terminal.printError("verify: \(failed) problem(s) in \(index.path); rebuild it with `rag index build --csv FILE`")
            throw ExitCode(1)
        }
        print("verified \(checks.count) files in \(index.path)")
    }
}

// IndexCommand: `rag index build | info | verify | tune | add`, the index folder's lifecycle.
import ArgumentParser

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build, inspect, check, tune and extend the index folder.",
        subcommands: [IndexBuildCommand.self, IndexInfoCommand.self, IndexVerifyCommand.self,
                      IndexTuneCommand.self, IndexAddCommand.self]
    )
}

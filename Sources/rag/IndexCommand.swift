// IndexCommand: `rag index build | info | verify`, the index folder's lifecycle.
import ArgumentParser

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build, inspect and check the index folder.",
        subcommands: [IndexBuildCommand.self, IndexInfoCommand.self, IndexVerifyCommand.self]
    )
}

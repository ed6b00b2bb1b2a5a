// IndexCommand: `rag index build | info | verify | tune | add | upsert | delete | compact`, the index folder's lifecycle.
import ArgumentParser

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build, inspect, check, tune, extend, change and compact the index.",
        subcommands: [IndexBuildCommand.self, IndexInfoCommand.self, IndexVerifyCommand.self,
                      IndexTuneCommand.self, IndexAddCommand.self, IndexUpsertCommand.self,
                      IndexDeleteCommand.self, IndexCompactCommand.self]
    )
}

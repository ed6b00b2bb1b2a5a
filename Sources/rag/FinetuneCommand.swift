// FinetuneCommand: `rag finetune local | export`: train the offline head, or write the chat fine-tuning file.
import ArgumentParser

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Train a classifier head locally, or export a chat fine-tuning file.",
        subcommands: [FinetuneLocalCommand.self, FinetuneExportCommand.self]
    )
}

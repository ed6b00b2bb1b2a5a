// RAGCommand: the `rag` entry point; one subcommand per file, each thin: parse, call, print.
import ArgumentParser

@main
struct RAGCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rag",
        abstract: "Local retrieval and classification: embed a labelled CSV, search it, classify with its neighbours.",
        discussion: """
        Typical use:
          rag index build --csv data/train.csv          embed every row and write index/
          rag query "my card has not arrived" -k 10     nearest training rows
          rag query --csv data/test.csv --out n.jsonl   the same for a whole file
        Run `rag help SUBCOMMAND` for each command's options.
        """,
        subcommands: [IndexCommand.self, QueryCommand.self, EmbedCommand.self, PromptCommand.self, ClassifyCommand.self, EvaluateCommand.self, CompareCommand.self, FinetuneCommand.self]
    )
}

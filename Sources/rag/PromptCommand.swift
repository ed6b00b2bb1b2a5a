// PromptCommand: `rag prompt TEXT`: the exact chat messages that would be sent for one text.
import ArgumentParser
import Foundation
import RAG

struct PromptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompt",
        abstract: "Print the exact chat messages (system prompt with every category, retrieved rows, input) for a text."
    )

    @Argument(help: "The text to classify.")
    var text: String

    @Flag(inversion: .prefixedNo, help: "Include the retrieved neighbours (--no-rag: system prompt and input only).")
    var rag = true

    @Option(name: .short, help: "Neighbours to include.")
    var k: Int = 10

    @Flag(help: "Print the messages as a JSON array.")
    var json = false

    @OptionGroup var prompt: PromptOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func run() throws {
        // Without the retrieved rows no embedder is needed: the index's labels are enough.
        let messages: [ChatMessage]
        if rag {
            let workspace = try embedding.workspace(index: index)
            messages = try workspace.prompt(for: text, k: k, builder: try prompt.builder(labels: workspace.snapshot.labels))
        } else {
            messages = try prompt.builder(labels: try index.labels()).messages(for: text, neighbours: nil)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(messages), as: UTF8.self))
        } else {
            for m in messages { print("--- \(m.role.rawValue)\n\(m.content)") }
        }
    }
}

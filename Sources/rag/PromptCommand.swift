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
        let store = try index.open()
        let builder = try prompt.builder(labels: store.documents.labels)
        var neighbours: [Neighbour]?
        if rag {
            let retriever = try Retriever(embedder: try embedding.make(for: store.manifest), store: store)
            neighbours = try retriever.retrieve([text], k: k)[0]
        }
        let messages = builder.messages(for: text, neighbours: neighbours)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(messages), as: UTF8.self))
        } else {
            for m in messages { print("--- \(m.role.rawValue)\n\(m.content)") }
        }
    }
}

// FinetuneExportCommand: `rag finetune export --csv TRAIN --out ft.jsonl`: OpenAI chat fine-tuning format, one row per line.
import ArgumentParser
import Foundation
import RAG
import VectorSearch

struct FinetuneExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a chat fine-tuning file: one {\"messages\":[system,user,assistant]} object per training row.",
        discussion: """
        The system message is the classification prompt with every category of the index; the
        assistant message is the row's label. With --rag the user message also carries the row's
        neighbours (the row itself left out), as the RAG prompt does.
        """
    )

    @Option(help: "Training CSV.")
    var csv: String

    @Option(help: "Output file (JSON lines).")
    var out: String

    @Flag(help: "Put each row's retrieved neighbours in the user message.")
    var rag = false

    @Option(name: .short, help: "Neighbours per row with --rag.")
    var k: Int = 10

    @OptionGroup var prompt: PromptOptions
    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    struct Line: Encodable { var messages: [ChatMessage] }

    func run() throws {
        let store = try index.open(for: "rag finetune export")
        let builder = try prompt.builder(labels: store.documents.labels)
        let retriever = rag ? try Retriever(embedder: try embedding.make(for: store.manifest), store: store) : nil
        let dataset = Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn,
                              labelColumn: columns.labelColumn, requireLabels: true)
        let output = try AtomicOutput(path: out)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var done = 0
        let progress = ProgressReporter("exporting \(csv)", total: nil)
        try dataset.forEachBatch(256) { batch in
            let neighbours = try retriever?.retrieve(batch.map(\.text), k: k, excludeSelf: true)
            for (i, row) in batch.enumerated() {
                var messages = builder.messages(for: row.text, neighbours: neighbours?[i])
                messages.append(ChatMessage(role: .assistant, content: row.label!))
                output.write(data: try encoder.encode(Line(messages: messages)))
            }
            done += batch.count
            progress.update(done)
        }
        progress.finish()
        try output.commit()
        Terminal.printError("wrote \(done) training examples (\(rag ? "with" : "without") retrieved documents) to \(out)")
    }
}

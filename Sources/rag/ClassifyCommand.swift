// ClassifyCommand: `rag classify --csv FILE --method knn|head|zero-shot|blend`: one prediction per row, as JSON lines.
import ArgumentParser
import Foundation
import RAG
import VectorSearch

extension OfflineClassifier.Method: ExpressibleByArgument {}

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify every row of a CSV and write predictions (JSON lines: row, text, gold, predicted, confidence, method).",
        discussion: """
        Methods that need no network: knn (similarity-weighted vote of the top k neighbours),
        head (the linear head from `rag finetune local`), zero-shot (nearest label name),
        blend (head probabilities blended with the vote).
        """
    )

    @Option(help: "CSV to classify.")
    var csv: String

    @Option(help: "knn, head, zero-shot or blend.")
    var method: OfflineClassifier.Method = .knn

    @Option(help: "Predictions file (JSON lines); default stdout.")
    var out: String?

    @Option(name: .short, help: "Neighbours that vote.")
    var k: Int = 10

    @Flag(help: "Skip a neighbour whose text is the row's own (when classifying the indexed rows).")
    var excludeSelf = false

    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func run() throws {
        let store = try index.open()
        let retriever = try Retriever(embedder: try embedding.make(for: store.manifest), store: store)
        let head = try LinearHead.load(from: store)
        if (method == .head || method == .blend) && head == nil { throw ClassificationError.noHead(index: index.path) }
        let classifier = OfflineClassifier(retriever: retriever, head: head, k: k)
        let dataset = Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn, labelColumn: columns.labelColumn)
        let output = try AtomicOutput(path: out)
        let progress = ProgressReporter("classifying \(csv)", total: nil)
        var done = 0, correct = 0, labelled = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        try dataset.forEachBatch(256) { batch in
            for p in try classifier.classify(batch, methods: [method], excludeSelf: excludeSelf)[method]! {
                output.write(data: try encoder.encode(p))
                if let g = p.gold { labelled += 1; if g == p.predicted { correct += 1 } }
            }
            done += batch.count
            progress.update(done)
        }
        progress.finish()
        try output.commit()
        var summary = "classified \(done) rows with \(method.rawValue)"
        if labelled > 0 { summary += String(format: ", accuracy %.4f on %d labelled rows", Double(correct) / Double(labelled), labelled) }
        if let out { summary += "; wrote \(out)" }
        Terminal.printError(summary)
    }
}

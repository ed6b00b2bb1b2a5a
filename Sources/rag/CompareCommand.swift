// CompareCommand: `rag compare --csv TEST`: the four-technique table of the original experiment, computed offline.
import ArgumentParser
import Foundation
import RAG
import VectorSearch

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Score every offline technique on a labelled CSV and print the comparison table.",
        discussion: """
        Rows, in the original experiment's order and names:
          Fine-tuned model without RAG   the linear head (rag finetune local; trained now if the index has none)
          Fine-tuned model with RAG      the head's probabilities blended with the neighbour vote
          Base model with RAG            similarity-weighted vote of the top k neighbours
          Base model without RAG         zero-shot: the label whose name's embedding is nearest
        Markdown by default; --json for machines.
        """
    )

    @Option(help: "Labelled CSV to score (e.g. data/test.csv).")
    var csv: String

    @Option(name: .short, help: "Neighbours that vote.")
    var k: Int = 10

    @Flag(help: "Print the table as JSON.")
    var json = false

    @Option(help: "Folder to write each technique's predictions into (<method>.jsonl).")
    var predictions: String?

    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    struct Row: Encodable {
        var technique: String
        var method: String
        var accuracy: Double
        var macroPrecision: Double, macroRecall: Double, macroF1: Double
        var weightedPrecision: Double, weightedRecall: Double, weightedF1: Double
    }

    static let techniques: [(String, OfflineClassifier.Method)] = [
        ("Fine-tuned model without RAG", .head), ("Fine-tuned model with RAG", .blend),
        ("Base model with RAG", .knn), ("Base model without RAG", .zeroShot),
    ]

    func run() throws {
        let start = Date()
        let store = try index.open()
        let embedder = try embedding.make(for: store.manifest)
        let retriever = try Retriever(embedder: embedder, store: store)
        var head = try LinearHead.load(from: store)
        if head == nil {
            Terminal.printError("the index has no trained head; training one on its rows (save it with `rag finetune local`)")
            let (x, labels) = try TrainingData.load(csv: nil, columns: columns, store: store, embedding: embedding)
            head = try LinearHeadTrainer().train(x, labels: labels).0
        }
        let rows = try Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn,
                               labelColumn: columns.labelColumn, requireLabels: true).readAll()
        let known = Set(store.documents.labels)
        let unknown = Set(rows.compactMap(\.label)).subtracting(known)
        if !unknown.isEmpty {
            Terminal.printError("warning: \(unknown.count) label(s) of \(csv) are not in the index (e.g. \(unknown.sorted().prefix(3).joined(separator: ", "))); those rows can only be wrong")
        }
        let classifier = OfflineClassifier(retriever: retriever, head: head, k: k)
        let results = try classifier.classify(rows, methods: Self.techniques.map(\.1))
        var table: [Row] = []
        for (name, method) in Self.techniques {
            let preds = results[method]!
            let r = try ClassificationReport(gold: preds.map { $0.gold! }, predicted: preds.map(\.predicted))
            table.append(Row(technique: name, method: method.rawValue, accuracy: r.accuracy,
                             macroPrecision: r.macro.precision, macroRecall: r.macro.recall, macroF1: r.macro.f1,
                             weightedPrecision: r.weighted.precision, weightedRecall: r.weighted.recall, weightedF1: r.weighted.f1))
            if let predictions {
                try FileManager.default.createDirectory(atPath: predictions, withIntermediateDirectories: true)
                let out = try AtomicOutput(path: (predictions as NSString).appendingPathComponent("\(method.rawValue).jsonl"))
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.withoutEscapingSlashes]
                for p in preds { out.write(data: try encoder.encode(p)) }
                try out.commit()
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(table), as: UTF8.self))
        } else {
            print("| Technique | Accuracy | Macro P | Macro R | Macro F1 | Weighted P | Weighted R | Weighted F1 |")
            print("|---|---|---|---|---|---|---|---|")
            for r in table {
                print("| \(r.technique) | " + [r.accuracy, r.macroPrecision, r.macroRecall, r.macroF1, r.weightedPrecision, r.weightedRecall, r.weightedF1]
                    .map { String(format: "%.4f", $0) }.joined(separator: " | ") + " |")
            }
        }
        Terminal.printError(String(format: "compared %d techniques on %d rows of %@ in %.1f s", table.count, rows.count, csv, Date().timeIntervalSince(start)))
    }
}

// EvaluateCommand: `rag evaluate predictions.jsonl`: accuracy, macro/weighted P/R/F1, per class, confusion CSV, HTML report.
import ArgumentParser
import Foundation
import RAG
import VectorSearch

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a predictions file as scikit-learn's classification_report does (zero_division = 0).",
        discussion: """
        Reads the JSON lines `rag classify` writes (gold and predicted on every line). When an index
        is found (--index, default index/), predictions outside its labels are counted as invalid.
        """
    )

    @Argument(help: "Predictions file (JSON lines).")
    var predictions: String

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Also print the per-class table.")
    var perClass = false

    @Option(help: "Write a self-contained HTML report (metrics and confusion heatmap).")
    var report: String?

    @Option(help: "Write the confusion matrix as CSV (gold rows, predicted columns).")
    var confusion: String?

    @OptionGroup var index: IndexOptions

    func run() throws {
        let contents = try PredictionsFile.read(URL(fileURLWithPath: predictions))
        for w in contents.warnings { Terminal.printError("warning: \(w)") }
        let rows = contents.predictions
        if let unlabelled = rows.first(where: { $0.gold == nil }) {
            throw ValidationError("\(predictions): row \(unlabelled.row) has no gold label; classify a CSV with a label column")
        }
        let valid = (try? index.open()).map { Set($0.documents.labels) }
        let gold = rows.map { $0.gold! }, predicted = rows.map(\.predicted)
        let result = try ClassificationReport(gold: gold, predicted: predicted, validLabels: valid)
        let matrix = try ConfusionMatrix(gold: gold, predicted: predicted)
        if let confusion { try AtomicOutput.write(Data(matrix.csv().utf8), to: confusion) }
        if let report {
            try AtomicOutput.write(Data(HTMLReport.render(report: result, confusion: matrix, title: "LocalRAG evaluation: \(predictions)").utf8), to: report)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        let methods = Set(rows.map(\.method)).sorted().joined(separator: ", ")
        print("predictions  \(rows.count) (\(methods)) from \(predictions)")
        print(String(format: "accuracy     %.4f", result.accuracy))
        print(String(format: "macro        precision %.4f  recall %.4f  f1 %.4f", result.macro.precision, result.macro.recall, result.macro.f1))
        print(String(format: "weighted     precision %.4f  recall %.4f  f1 %.4f", result.weighted.precision, result.weighted.recall, result.weighted.f1))
        if valid != nil { print("invalid      \(result.invalidCount) predictions not among the index's labels") }
        if perClass {
            print("")
            print("label                                     precision  recall      f1  support")
            for c in result.perClass {
                print(Terminal.clip(c.label, 40).padding(toLength: 40, withPad: " ", startingAt: 0)
                      + String(format: "  %9.4f  %6.4f  %6.4f  %7d", c.precision, c.recall, c.f1, c.support))
            }
        }
        if let report { Terminal.printError("wrote \(report)") }
        if let confusion { Terminal.printError("wrote \(confusion)") }
    }
}

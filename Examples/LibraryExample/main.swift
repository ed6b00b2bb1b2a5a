import Foundation
import RAG

// Build an index of a labelled CSV (text, label_text), look a text up, classify another.
let csv = CommandLine.arguments.dropFirst().first ?? "data/train.csv"
let workspace = try Workspace.build(from: Dataset(url: URL(fileURLWithPath: csv)))
for n in try workspace.search(["my card has not arrived yet"], k: 3)[0] {
    print(String(format: "%.4f", n.score), n.document.label ?? "-", n.document.text)
}
let prediction = try workspace.classify(texts: ["How do I top up by bank transfer?"], method: .knn)[0]
print(prediction.predicted, String(format: "%.2f", prediction.confidence))

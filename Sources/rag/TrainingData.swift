// TrainingData: embeddings and labels to train on: a CSV embedded now, or the index's stored rows.
import Foundation
import LinearAlgebra
import RAG
import VectorSearch

enum TrainingData {
    static func load(csv: String?, columns: CSVOptions, store: IndexStore, embedding: EmbedderOptions) throws -> (Matrix, [String]) {
        guard let csv else {
            var labels: [String] = []
            var keep: [Int] = []
            for i in 0..<store.count {
                if let l = store.documents.labelIndex(i) { labels.append(store.documents.labels[l]); keep.append(i) }
            }
            guard !keep.isEmpty else { throw ClassificationError.noLabels(index: store.folder.relativePath) }
            let all = store.flat.storage.matrix()
            if keep.count == store.count { return (all, labels) }
            return (Matrix(rows: keep.count, cols: all.cols, storage: keep.flatMap { all.row($0) }), labels)
        }
        let embedder = try embedding.make(for: store.manifest)
        try store.check(embedderIdentifier: embedder.identifier, dimension: embedder.dimension)
        let dataset = Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn,
                              labelColumn: columns.labelColumn, requireLabels: true)
        let progress = ProgressReporter("embedding \(csv)", total: nil)
        let (x, labels) = try dataset.embedAll(with: embedder, progress: progress.update)
        progress.finish()
        // requireLabels: every row has one.
        return (x, labels.map { $0! })
    }
}

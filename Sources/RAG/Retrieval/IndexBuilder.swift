// IndexBuilder: CSV rows -> embeddings -> a committed index folder, streamed batch by batch.
public import Foundation
public import LinearAlgebra
public import TextEmbedding
public import VectorSearch

/// Builds (or replaces) the index in a folder from a dataset. Rows are read, embedded and written
/// in batches, so memory holds one batch of texts; the old index stays whole until the commit.
public struct IndexBuilder {
    public var embedder: any Embedder
    /// Rows embedded per call.
    public var batchSize: Int

    public init(embedder: any Embedder, batchSize: Int = 256) {
        self.embedder = embedder
        self.batchSize = batchSize
    }

    /// Progress after each batch: rows done so far.
    public typealias Progress = (Int) -> Void

    /// Writes all rows of `dataset` as a new index in `folder`. Returns the open writer before
    /// commit through `beforeCommit` so parts (IVF) can be trained on the written vectors.
    @discardableResult
    public func build(from dataset: Dataset, into folder: URL, progress: Progress? = nil,
                      beforeCommit: ((IndexWriter) throws -> Void)? = nil) throws -> Manifest {
        let writer = try IndexWriter(folder: folder, embedder: embedder.identifier, dimension: embedder.dimension)
        try append(dataset, to: writer, progress: progress)
        try beforeCommit?(writer)
        return try writer.commit()
    }

    /// Embeds and appends every row of `dataset` to `writer`, recording the source.
    public func append(_ dataset: Dataset, to writer: IndexWriter, progress: Progress? = nil) throws {
        try embed(dataset, progress: progress) { vectors, docs in try writer.append(vectors, documents: docs) }
        writer.addSource(Manifest.Source(csv: dataset.displayPath, textColumn: dataset.textColumn, labelColumn: dataset.labelColumn))
    }

    /// Embeds the rows of `dataset` batch by batch and hands each batch to `sink`, its documents
    /// numbered from `firstRow` (`Document.row`). The first `skipping` rows are read but not
    /// embedded (a resumed build already stored them). Returns the rows read and their labels in
    /// order of first appearance.
    @discardableResult
    public func embed(_ dataset: Dataset, firstRow: Int = 0, skipping: Int = 0, progress: Progress? = nil,
                      sink: (Matrix, [Document]) throws -> Void) throws -> (rows: Int, labels: [String]) {
        var done = 0, labels: [String] = [], seen = Set<String>()
        try dataset.forEachBatch(batchSize) { batch in
            for case let label? in batch.map(\.label) where seen.insert(label).inserted { labels.append(label) }
            let fresh = batch.dropFirst(max(0, min(batch.count, skipping - done)))
            if !fresh.isEmpty {
                let vectors = try embedder.embed(fresh.map(\.text), as: .document)
                try sink(vectors, fresh.enumerated().map { i, row in
                    Document(row: firstRow + done + (batch.count - fresh.count) + i, sourceRow: row.row, text: row.text, label: row.label,
                             id: row.id, metadata: row.metadata)
                })
            }
            done += batch.count
            progress?(done)
        }
        return (done, labels)
    }
}

// IndexBuilder: CSV rows -> embeddings -> a committed index folder, streamed batch by batch.
public import Foundation
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
        var done = 0
        try dataset.forEachBatch(batchSize) { batch in
            let vectors = try embedder.embed(batch.map(\.text))
            let docs = batch.map { Document(sourceRow: $0.row, text: $0.text, label: $0.label) }
            try writer.append(vectors, documents: docs)
            done += batch.count
            progress?(done)
        }
        writer.addSource(Manifest.Source(csv: dataset.displayPath, textColumn: dataset.textColumn, labelColumn: dataset.labelColumn))
    }
}

// Dataset embedding: every row of a CSV embedded in batches, in file order (for training and export).
public import LinearAlgebra
public import TextEmbedding

extension Dataset {
    /// Embeds the text of every row, `batchSize` rows per call, streaming the file. Returns the
    /// `[rows x dimension]` vectors and each row's label (nil where the row has none).
    public func embedAll(with embedder: any Embedder, batchSize: Int = 256,
                         progress: ((Int) -> Void)? = nil) throws -> (vectors: Matrix, labels: [String?]) {
        var vectors = Matrix(rows: 0, cols: embedder.dimension)
        var labels: [String?] = []
        try forEachBatch(batchSize) { batch in
            vectors.append(rowsOf: try embedder.embed(batch.map(\.text)))
            labels += batch.map(\.label)
            progress?(vectors.rows)
        }
        return (vectors, labels)
    }
}

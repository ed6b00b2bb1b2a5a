// Dataset embedding: every row of a CSV embedded in batches, in file order (for training and export).
public import LinearAlgebra

extension Dataset {
    /// Embeds the text of every row with `embed`, `batchSize` rows per call, streaming the file. Returns the
    /// `[rows x dimension]` vectors and each row's label (nil where the row has none).
    public func embedAll(dimension: Int, batchSize: Int = 256, progress: ((Int) -> Void)? = nil,
                         _ embed: ([String]) throws -> Matrix) throws -> (vectors: Matrix, labels: [String?]) {
        var vectors = Matrix(rows: 0, cols: dimension)
        var labels: [String?] = []
        try forEachBatch(batchSize) { batch in
            vectors.append(rowsOf: try embed(batch.map(\.text)))
            labels += batch.map(\.label)
            progress?(vectors.rows)
        }
        return (vectors, labels)
    }
}

// RemoteBuildReport: what a build into a remote store did and where its time went (embedding here, storing there).

/// The rows a build into a remote store read and stored, and the seconds of each part.
public struct RemoteBuildReport: Sendable {
    /// Rows in the dataset (all now stored).
    public var rows: Int
    /// Rows an interrupted build had stored already (not embedded again).
    public var resumedFrom: Int
    /// Reading the CSV and embedding (this process).
    public var embeddingSeconds: Double
    /// Upserting the batches (the store, including the network).
    public var storingSeconds: Double
    /// Flushing, building the store's index and loading it (the store).
    public var committingSeconds: Double
}

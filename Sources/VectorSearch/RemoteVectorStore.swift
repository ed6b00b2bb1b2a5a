// RemoteVectorStore: a WritableVectorStore kept by a database server (Milvus): filled by a build that can resume, then indexed.
public import LinearAlgebra

/// A store whose rows live in a server. A build begins (creating the store, or continuing one an
/// interrupted build left), upserts rows in batches keyed by their row number, and commits (label
/// list, row count, search index); readers refuse a store whose build never committed.
public protocol RemoteVectorStore: WritableVectorStore {
    /// Prepares for a build's rows: creates the store (refusing an existing one unless `resume`),
    /// or with `resume` continues the one an interrupted build left (refusing another embedder's).
    /// Returns the rows already stored, `0 ..< n` all present: the build embeds and upserts from `n`.
    func beginBuild(embedderIdentifier: String, dimension: Int, resume: Bool) throws -> Int
    /// Prepares for rows appended to a committed store (marks it as being written until `commit`).
    func beginAppend() throws
    /// Stores rows keyed by their `row`: storing a row again replaces it, so a retried batch never doubles.
    func upsert(_ vectors: Matrix, documents: [Document]) throws
    /// Records the label list and row count, builds the search index when there is none, and makes
    /// the rows searchable.
    func commit(labels: [String], count: Int, index: RemoteIndexKind) throws
}

// WritableVectorStore: the one store seam (an index folder, a Milvus collection): committed rows searched, written through a commit, reopened, checked, described.
public import Foundation
public import LinearAlgebra

/// What a workspace reads and writes its rows through, whichever backend keeps them. Reads see
/// the state the value was opened on; `beginWrite` appends rows that no reader sees until the
/// write commits; `reopened` gives the state as committed now (by this process or another).
public protocol WritableVectorStore: VectorStore {
    /// Grows with every commit (the folder's generation; a counter a remote store keeps): a
    /// reopened store with a larger one holds newer rows.
    var generation: Int { get }
    /// When the store was first written (ISO 8601), if it records it.
    var created: String? { get }
    /// The search knobs the store honours, for notes to the user (`SearchParameters` says what each does).
    var knobs: SearchParameters.Knobs { get }
    /// Whether the store keeps derived parts beside the rows (a trained head, settings): an index
    /// folder does, a remote store keeps vectors only.
    var keepsParts: Bool { get }
    /// The generation committed now, read as cheaply as the store allows (an index folder's
    /// manifest alone), so a reader can poll for a newer state without opening it.
    func committedGeneration() throws -> Int
    /// The store as committed now.
    func reopened() throws -> any WritableVectorStore
    /// The live rows `filter` matches, as a mask over the store's rows (`FilterError` for a field
    /// it does not have or a mistyped value).
    func rows(matching filter: FilterExpression) throws -> RowMask
    /// The vectors and labels of the live rows `filter` matches, in row order (what a head trains on
    /// when a classification is restricted to them).
    func labelledVectors(matching filter: FilterExpression) throws -> (vectors: Matrix, labels: [String?])
    /// How many live rows `filter` matches.
    func count(matching filter: FilterExpression) throws -> Int
    /// The ids of the live rows `filter` matches.
    func ids(matching filter: FilterExpression) throws -> [String]
    /// Rows deleted and still taking space (an index folder's tombstoned rows until compaction).
    var deletedCount: Int { get }
    /// Bytes the store takes on this machine's disk (an index folder's files; 0 for a remote store).
    var bytesOnDisk: Int { get }
    /// Pieces the rows are stored in (an index folder's segments, one per append until
    /// compaction; 1 for a store that keeps its own layout).
    var segmentCount: Int { get }
    /// Rewrites the live rows without the deleted ones (derived parts follow: an IVF part's lists
    /// are rebuilt on its trained centroids) and returns the store as committed.
    func compacted() throws -> any WritableVectorStore
    /// Starts a write: with `appendingRows` rows can be appended; without, only parts and
    /// settings change (stores that keep parts). One writer at a time: a store refuses a second
    /// one (an index folder's lock file), or the caller serialises them (`Workspace`).
    func beginWrite(appendingRows: Bool) throws -> any VectorStoreWrite
    /// The part file stored under `role` (a trained head, say) and its file name, or nil.
    func part(_ role: String) throws -> (file: MappedFile, name: String)?
    /// The store's recorded settings (a tuned nprobe, a head's λ); empty when it keeps none.
    var settings: [String: String] { get }
    /// Every check the store can make of itself (checksums of a folder's files and its parts
    /// opened; a remote store's row count, keys, index, embedder), one line each.
    func verify() throws -> [IndexStore.FileCheck]
    /// What `rag index info` prints: name and value pairs in order, and the same as one JSON document.
    func describe() throws -> StoreDescription
}

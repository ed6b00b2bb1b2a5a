// VectorStoreWrite: one write into a WritableVectorStore: rows appended, then committed whole or abandoned.
public import Foundation
public import LinearAlgebra

/// A write in progress. Appended rows number on from `nextRow`; nothing is visible to readers
/// until `commit`, which returns the store as committed; `abandon` leaves the store as it was.
public protocol VectorStoreWrite: AnyObject {
    /// The row number the next appended row gets.
    var nextRow: Int { get }
    /// Appends rows (`vectors` `[n x dimension]`, unit length; one document each, numbered on from
    /// `nextRow`, each with an id no live row holds: `StoreError.duplicateID` otherwise).
    func append(_ vectors: Matrix, documents: [Document]) throws
    /// Deletes the live rows holding `ids` (hidden from every read once the write commits);
    /// returns the ids no live row holds.
    func delete(ids: [String]) throws -> [String]
    /// Part files and settings, for stores that keep parts (`keepsParts`); nil otherwise.
    var parts: IndexWriter? { get }
    /// Makes the write visible and returns the store as committed.
    func commit() throws -> any WritableVectorStore
    /// Discards the write.
    func abandon()
}

// Workspace+RowChanges: rows changed by id (upsert, delete by ids or filter) and compaction, each one commit through the store.
import Foundation
public import LinearAlgebra
public import VectorSearch

extension Workspace {
    /// What `upsert` and `delete` changed.
    public struct ChangeReport: Sendable {
        /// Rows appended whose id was not stored.
        public var added: Int
        /// Stored rows replaced by a row with the same id (the old one deleted, the new appended).
        public var replaced: Int
        /// Stored rows deleted (`delete`), replaced ones not counted.
        public var deleted: Int
        /// Ids asked to be deleted that no row holds.
        public var missing: [String]
        /// Live rows now.
        public var count: Int
        /// The generation committed (after compaction, when it ran).
        public var generation: Int
        /// What automatic compaction did, when the deleted rows passed the threshold.
        public var compaction: CompactionReport?
    }

    /// What `compact` did.
    public struct CompactionReport: Sendable {
        /// Rows stored before (deleted ones included) and after.
        public var rowsBefore: Int
        public var rowsAfter: Int
        /// The store's bytes on disk before and after (an index folder's files; 0 for a remote store).
        public var bytesBefore: Int
        public var bytesAfter: Int
        public var generation: Int
        /// Whether the IVF part's centroids were trained anew (its lists had drifted), not kept.
        public var ivfRetrained: Bool
    }

    /// Embeds the rows of `dataset` and stores them by id in one commit: a row whose id is stored
    /// replaces it (the old one deleted), the rest are appended. A stored head is marked stale
    /// when rows were replaced; compaction follows when `compaction` says it is due.
    @discardableResult
    public func upsert(_ dataset: Dataset, batchSize: Int = 256, compaction: CompactionPolicy = .standard,
                       progress: IndexBuilder.Progress? = nil) throws -> ChangeReport {
        var replaced = 0, added = 0
        let committed = try changeRows(appendingRows: true) { write in
            try IndexBuilder(embedder: embedder, batchSize: batchSize).embed(dataset, firstRow: write.nextRow, progress: progress) { vectors, docs in
                let r = try Self.upsert(vectors, docs, into: write)
                (replaced, added) = (replaced + r.replaced, added + r.added)
            }
            write.parts?.addSource(Manifest.Source(csv: dataset.displayPath, textColumn: dataset.textColumn, labelColumn: dataset.labelColumn))
            return replaced > 0
        }
        return try finish(ChangeReport(added: added, replaced: replaced, deleted: 0, missing: [], count: committed.count,
                                       generation: committed.generation), compaction: compaction)
    }

    /// Stores labelled texts (embedded now) by id in one commit, as `upsert(_:)` stores a CSV's rows.
    @discardableResult
    public func upsert(texts: [String], labels: [String?], ids: [String], compaction: CompactionPolicy = .standard) throws -> ChangeReport {
        precondition(texts.count == labels.count && ids.count == texts.count, "one label (or nil) and id per text")
        let vectors = try embedder.embed(texts, as: .document)
        var result = (replaced: 0, added: 0)
        let committed = try changeRows(appendingRows: true) { write in
            let first = write.nextRow
            result = try Self.upsert(vectors, texts.indices.map {
                Document(row: first + $0, sourceRow: first + $0, text: texts[$0], label: labels[$0], id: ids[$0])
            }, into: write)
            return result.replaced > 0
        }
        return try finish(ChangeReport(added: result.added, replaced: result.replaced, deleted: 0, missing: [], count: committed.count,
                                       generation: committed.generation), compaction: compaction)
    }

    /// One batch of an upsert: the live rows holding the batch's ids are deleted, the batch appended.
    private static func upsert(_ vectors: Matrix, _ docs: [Document], into write: any VectorStoreWrite) throws -> (replaced: Int, added: Int) {
        let missing = try write.delete(ids: docs.compactMap(\.id))
        try write.append(vectors, documents: docs)
        return (docs.count - missing.count, missing.count)
    }

    /// Deletes the rows holding `ids` in one commit (no search, vote, head or prompt sees them
    /// from then on); ids no row holds are reported, not an error. A stored head is marked stale.
    @discardableResult
    public func delete(ids: [String], compaction: CompactionPolicy = .standard) throws -> ChangeReport {
        var missing: [String] = []
        let committed = try changeRows(appendingRows: false) { write in
            missing = try write.delete(ids: ids)
            return missing.count < ids.count
        }
        return try finish(ChangeReport(added: 0, replaced: 0, deleted: Set(ids).count - Set(missing).count, missing: missing,
                                       count: committed.count, generation: committed.generation), compaction: compaction)
    }

    /// Deletes the live rows `filter` matches, in one commit, as `delete(ids:)` does.
    @discardableResult
    public func delete(matching filter: FilterExpression, compaction: CompactionPolicy = .standard) throws -> ChangeReport {
        try delete(ids: try snapshot.store.ids(matching: filter), compaction: compaction)
    }

    /// Rewrites the store without its deleted rows (an index folder: disk shrinks by their bytes).
    @discardableResult
    public func compact() throws -> CompactionReport {
        try writing.withLock { _ in
            var before = snapshot.store, bytesBefore = 0
            let after = try freshStore { store in
                (before, bytesBefore) = (store, store.bytesOnDisk)
                return try store.compacted()
            }
            try adopt(after)
            return CompactionReport(rowsBefore: before.count + before.deletedCount, rowsAfter: after.count + after.deletedCount,
                                    bytesBefore: bytesBefore, bytesAfter: after.bytesOnDisk, generation: after.generation,
                                    ivfRetrained: after.settings[IVFIndex.Setting.trainedGeneration] == "\(after.generation)")
        }
    }

    private func finish(_ report: ChangeReport, compaction: CompactionPolicy) throws -> ChangeReport {
        var report = report
        if let done = try compactIfDue(compaction) {
            report.compaction = done
            report.generation = done.generation
        }
        return report
    }

    /// Compacts when `policy` says the store is due; nil when it is not.
    func compactIfDue(_ policy: CompactionPolicy) throws -> CompactionReport? {
        let store = snapshot.store
        guard policy.isDue(deleted: store.deletedCount, stored: store.count + store.deletedCount, segments: store.segmentCount) else { return nil }
        return try compact()
    }

    /// `start` on the store as committed now: refreshed first, and again (up to three tries) when
    /// another process commits between the refresh and the write's lock (`changedSinceOpened`).
    func freshStore<T>(_ start: (any WritableVectorStore) throws -> T) throws -> T {
        var tries = 0
        while true {
            try refresh()
            do { return try start(snapshot.store) } catch StoreError.changedSinceOpened where tries < 2 { tries += 1 }
        }
    }

    /// One write changing rows through `body` (which says whether stored rows were deleted),
    /// committed, and the workspace switched to it; a stored head is marked stale when they were.
    func changeRows(appendingRows: Bool, _ body: (any VectorStoreWrite) throws -> Bool) throws -> any WritableVectorStore {
        try writing.withLock { _ in
            let write = try freshStore { try $0.beginWrite(appendingRows: appendingRows) }
            let before = snapshot
            let committed: any WritableVectorStore
            do {
                if try body(write), before.head != nil || before.headIsStale {
                    write.parts?.setSetting(LinearHead.staleSetting, "rows deleted or replaced after generation \(before.generation)")
                }
                committed = try write.commit()
            } catch {
                write.abandon()
                throw error
            }
            try adopt(committed)
            return committed
        }
    }
}

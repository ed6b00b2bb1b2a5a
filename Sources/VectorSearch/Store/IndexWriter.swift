// IndexWriter: streams rows into a new generation of an index folder and commits it atomically.
public import Foundation
public import LinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// Writes a new generation of files (`vectors.<gen>.f32`, `rows.<gen>.bin`, ...) beside the
/// current ones, fsyncs them, then renames a new `manifest.json` over the old one. Until that
/// rename, readers and a crash see the old index whole; after it, the new one. Files no manifest
/// names are removed after the commit (and at the next write, if a crash left them).
///
/// Rows go into segments: appended rows are one new segment (named by this generation) beside the
/// stored ones, which are carried as they are, so an append writes only what it adds. Deletions
/// are one bitset over all rows. Compaction copies the live rows into one segment.
public final class IndexWriter {
    public let folder: URL
    public let generation: Int
    public let dimension: Int
    public let embedder: String
    /// Rows stored once this write commits (deleted ones included).
    public private(set) var count = 0
    /// Rows stored before the segment this write appends (its first row number).
    public private(set) var segmentBase = 0
    /// The manifest version written: the current one, or format 1 kept when only parts change.
    private var version = Manifest.currentVersion
    /// The stored segments carried over (nil: a manifest without a segment list, kept so).
    private var segments: [Manifest.Segment]?
    /// Rows marked deleted (set bits) among `0 ..< count`; nil while none are.
    private var deleted: RowMask?
    /// The stored rows this write started from (for the id lookup), when it updates an index.
    private let base: IndexStore?
    /// The rows this write appended, by id (deleted ones removed), and the new segment's ids in row order.
    private var appendedIDs: [String: Int] = [:]
    private var segmentIDs: [String] = []
    private var vectors: ChecksummedWriter?
    private var rows: ChecksummedWriter?
    private var texts: ChecksummedWriter?
    private var labelIndex: [String: UInt32] = [:]
    private(set) var labels: [String] = []
    private var carried: [String: Manifest.FileEntry] = [:]
    private var extra: [String: Manifest.FileEntry] = [:]
    private var sources: [Manifest.Source] = []
    private var kinds: [String] = ["flat"]
    private var settings: [String: String] = [:]
    private var lock: Int32
    private var committed = false
    /// Rows copied per step when compaction copies the live rows.
    static let copyChunk = 4_096
    /// Files of one segment: rows, their vectors and texts, and the parts' per-segment files (IVF lists, codes).
    static let segmentKinds = ["vectors", "rows", "texts", "meta", "ids", IVFIndex.Role.lists, IVFIndex.Role.vectors, IVFIndex.Role.codes]
        + QuantizedFlatIndex.encodings.map(QuantizedFlatIndex.Role.codes)
    /// The metadata columns and types (the stored ones, and any an append brings).
    public private(set) var metadataSchema: [String: MetadataValue.Kind] = [:]
    /// The new segment's metadata values by column, one entry per appended row.
    private var newMetadata: [String: [MetadataValue?]] = [:]

    /// Starts a fresh index in `folder` (created if missing). An existing index there stays
    /// readable until `commit()`; a folder holding something else is refused.
    public init(folder: URL, embedder: String, dimension: Int) throws {
        let old = try Self.existingManifest(folder)
        self.folder = folder
        self.embedder = embedder
        self.dimension = dimension
        self.generation = (old?.generation ?? 0) + 1
        self.base = nil
        self.segments = []
        self.lock = try Self.lockFolder(folder)
        try openRowFiles()
    }

    /// Starts the next generation of `store`. With `appendingRows`, rows can be appended: they
    /// go into a new segment, the stored ones are carried as they are (`rag index add`, upserts);
    /// without, the row files are kept and only parts (IVF, head) and deletions change. With
    /// `droppingDeleted` (compaction), the live rows are copied into one segment, renumbered from
    /// 0 in order, and per-segment parts are left for the caller to rewrite (IVF: `relist`).
    public init(updating store: IndexStore, appendingRows: Bool, droppingDeleted: Bool = false) throws {
        precondition(appendingRows || !droppingDeleted, "dropping deleted rows copies the rows")
        if appendingRows && !store.documents.hasIDs { throw StoreError.rowsWithoutIDs(path: store.folder.relativePath) }
        let manifest = store.manifest
        folder = store.folder
        embedder = manifest.embedder
        dimension = manifest.dimension
        generation = manifest.generation + 1
        base = droppingDeleted ? nil : store
        lock = try Self.lockFolder(store.folder)
        // Under the lock, the store must still be what is committed: a writer that opened it
        // earlier and committed since would otherwise be overwritten (same generation's names).
        let current = try? Manifest.read(from: store.folder)
        guard current?.generation == manifest.generation else {
            close(lock)
            lock = -1
            committed = true   // nothing of this write exists; deinit must not abandon (its generation is committed)
            throw StoreError.changedSinceOpened(path: store.folder.relativePath)
        }
        // What a killed writer left (files the committed manifest does not name) goes now.
        Self.removeUnreferenced(in: folder, keeping: Set(manifest.files.values.map(\.name)))
        sources = manifest.sources
        metadataSchema = manifest.metadata ?? [:]
        kinds = manifest.kinds
        settings = manifest.settings
        labels = store.documents.labels
        for (i, l) in labels.enumerated() { labelIndex[l] = UInt32(i) }
        if droppingDeleted {
            segments = []
            for (role, entry) in manifest.files where !role.contains("@") && !Self.segmentKinds.contains(role)
                && !["labels", "deleted"].contains(role) {
                carried[role] = entry
            }
            try openRowFiles()
            // Chunk by chunk, each within one segment (its vectors contiguous), live runs at a time.
            for lo in stride(from: 0, to: store.count, by: Self.copyChunk) {
                for chunk in store.flat.runs(lo..<min(store.count, lo + Self.copyChunk)) {
                    let live = (chunk.first..<(chunk.first + chunk.count)).filter(store.isLive)
                    for run in Self.runs(live) {
                        try appendNormalized(chunk.vectors + (run.lowerBound - chunk.first) * store.dimension, rows: run.count,
                                             documents: run.map { store.documents.document($0) })
                    }
                }
            }
            return
        }
        carried = manifest.files
        carried["labels"] = nil
        carried["deleted"] = nil
        count = store.count
        segments = manifest.segments
        if appendingRows {
            if segments == nil {
                // A single segment under plain roles (written before segment lists): named by its generation from now on.
                for kind in Self.segmentKinds { carried["\(kind)@\(manifest.generation)"] = carried.removeValue(forKey: kind) }
                segments = [Manifest.Segment(id: manifest.generation, rows: store.count)]
            }
            segmentBase = store.count
            try openRowFiles()
        } else {
            version = manifest.version
        }
        deleted = store.live?.complement()
    }

    /// Consecutive runs of ascending `rows`.
    private static func runs(_ rows: [Int]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in rows {
            if let last = out.last, last.upperBound == r { out[out.count - 1] = last.lowerBound..<(r + 1) } else { out.append(r..<(r + 1)) }
        }
        return out
    }

    /// The manifest role of this write's segment's file of `kind` ("vectors", "ivf_lists", ...).
    public func segmentRole(_ kind: String) -> String { "\(kind)@\(generation)" }

    deinit {
        if !committed { abandon() }
        releaseLock()
    }

    /// Lets the next writer in: the lock is held from init to commit or abandon.
    private func releaseLock() {
        if lock >= 0 { close(lock) }
        lock = -1
    }

    private func openRowFiles() throws {
        vectors = try ChecksummedWriter(fileURL("vectors", "f32"))
        rows = try ChecksummedWriter(fileURL("rows", "bin"))
        texts = try ChecksummedWriter(fileURL("texts", "bin"))
    }

    /// `folder/<role>.<generation>.<ext>`.
    public func fileURL(_ role: String, _ ext: String) -> URL {
        folder.appendingPathComponent("\(role).\(generation).\(ext)")
    }

    /// Appends rows: `vectors` is `[documents.count x dimension]`; rows are L2-normalised here,
    /// once, so every later score is an inner product. Every document needs an id that no live row
    /// has (`duplicateID` otherwise; delete the old row first to replace it).
    public func append(_ vectors: Matrix, documents: [Document]) throws {
        precondition(vectors.rows == documents.count, "\(vectors.rows) vectors for \(documents.count) documents")
        guard vectors.rows > 0 else { return }
        precondition(vectors.cols == dimension, "vector dimension \(vectors.cols), index \(dimension)")
        var batch: [String: Int] = [:]
        for (i, doc) in documents.enumerated() {
            guard let id = doc.id, !id.isEmpty else { preconditionFailure("a document without an id") }
            if let row = batch[id] ?? liveRow(ofID: id) { throw StoreError.duplicateID(id: id, row: row) }
            batch[id] = count + i
        }
        let normalized = Normalization.normalizedRows(vectors)
        try normalized.storage.withUnsafeBufferPointer { buf in
            try appendNormalized(buf.baseAddress!, rows: vectors.rows, documents: documents)
        }
        appendedIDs.merge(batch) { $1 }
    }

    private func appendNormalized(_ p: UnsafePointer<Float>, rows n: Int, documents: [Document]) throws {
        guard let vectors, let rows, let texts else {
            preconditionFailure("this writer only adds parts; open it with appendingRows: true")
        }
        try appendMetadata(documents)
        try vectors.write(floats: UnsafeBufferPointer(start: p, count: n * dimension))
        for doc in documents {
            let utf8 = Array(doc.text.utf8)
            let id = Array((doc.id ?? "").utf8)
            try rows.write(UInt64(texts.bytesWritten))
            try rows.write(UInt32(utf8.count))
            try rows.write(label(doc.label))
            try rows.write(UInt64(doc.sourceRow))
            try rows.write(UInt32(id.count))
            try rows.write(UInt32(0))
            try texts.write(utf8)
            try texts.write(id)
            segmentIDs.append(doc.id ?? "")
        }
        count += n
    }

    /// Checks the documents' metadata against the schema (a new column joins it; an integer goes
    /// into a float column) and records it for the new segment; nothing is recorded on a mismatch.
    private func appendMetadata(_ documents: [Document]) throws {
        let schema = try Document.metadataSchema(metadataSchema, adding: documents)
        let before = count - segmentBase
        for column in schema.keys where newMetadata[column] == nil && documents.contains(where: { $0.metadata[column] != nil }) {
            newMetadata[column] = [MetadataValue?](repeating: nil, count: before)
        }
        metadataSchema = schema
        for column in newMetadata.keys {
            newMetadata[column]!.append(contentsOf: documents.map { doc in
                guard let v = doc.metadata[column] else { return nil }
                if schema[column] == .float, case .integer(let i) = v { return .float(Double(i)) }
                return v
            })
        }
    }

    /// Marks the live rows holding `ids` deleted (no search, vote or head sees them once the write
    /// commits); returns the ids no live row holds.
    public func delete(ids: [String]) -> [String] {
        var missing: [String] = []
        for id in ids {
            guard let row = liveRow(ofID: id) else { missing.append(id); continue }
            if deleted == nil { deleted = RowMask(count: count, allSet: false) }
            if deleted!.count < count { deleted = deleted!.extended(to: count, allSet: false) }
            deleted!.insert(row)
            appendedIDs[id] = nil
        }
        return missing
    }

    /// Rows deleted so far (stored before this write or by it).
    public var deletedCount: Int { deleted?.population ?? 0 }

    /// The live row holding `id` now: one appended by this write, or a stored one (found through
    /// the segments' id tables) not deleted since.
    private func liveRow(ofID id: String) -> Int? {
        if let row = appendedIDs[id] { return row }
        guard let row = base?.liveRow(ofID: id), !(deleted?.contains(row) ?? false) else { return nil }
        return row
    }

    private func label(_ name: String?) -> UInt32 {
        guard let name else { return DocumentStore.noLabel }
        if let i = labelIndex[name] { return i }
        let i = UInt32(labels.count)
        labels.append(name)
        labelIndex[name] = i
        return i
    }

    /// Records where the rows came from.
    public func addSource(_ source: Manifest.Source) {
        sources.append(source)
    }

    /// Writes a part's file (`<name>.<gen>.ext`, `name` defaulting to the role) through `body`
    /// and records it under `role`.
    public func writePartFile(role: String, ext: String, name: String? = nil, _ body: (PartFileWriter) throws -> Void) throws {
        let w = try ChecksummedWriter(fileURL(name ?? role, ext))
        try body(PartFileWriter(writer: w))
        extra[role] = try w.finish()
        carried[role] = nil
    }

    /// Marks a part present (or absent) and sets its settings.
    public func setKind(_ kind: String, present: Bool, settings partSettings: [String: String] = [:]) {
        kinds.removeAll { $0 == kind }
        if present { kinds.append(kind) }
        for key in settings.keys where key.hasPrefix(kind + ".") { settings[key] = nil }
        if present { settings.merge(partSettings) { $1 } } else {
            for role in carried.keys where role.hasPrefix(kind) { carried[role] = nil }
            for role in extra.keys where role.hasPrefix(kind) { extra[role] = nil }
        }
    }

    /// Sets one setting (e.g. `ivf.nprobe`) without touching the part's files.
    public func setSetting(_ key: String, _ value: String?) {
        settings[key] = value
    }

    /// The vectors of this write's segment (rows `segmentBase ..< count`, the new file mapped),
    /// for parts that train on them or list them.
    public func writtenVectors() throws -> VectorStorage {
        let role = segmentRole("vectors")
        if let vectors {
            let entry = try vectors.finish()
            self.vectors = nil
            carried[role] = entry
        }
        guard let entry = carried[role] else { preconditionFailure("this write appends no rows") }
        let file = try MappedFile(folder.appendingPathComponent(entry.name), expectedSize: entry.bytes)
        return try VectorStorage(mapped: file, count: count - segmentBase, dimension: dimension)
    }

    /// Finishes every file, writes and renames the manifest, removes other generations' files.
    @discardableResult
    public func commit() throws -> Manifest {
        if !newMetadata.isEmpty, vectors != nil || carried[segmentRole("vectors")] != nil {
            try writePartFile(role: segmentRole("meta"), ext: "json", name: "meta") { try $0.write(try SegmentMetadata.encode(newMetadata)) }
        }
        if !segmentIDs.isEmpty {   // rows were appended (an IVF build has already finished their vectors file)
            try writePartFile(role: segmentRole("ids"), ext: "bin", name: "ids") { try $0.write(IDTable.encode(segmentIDs)) }
        }
        var files = carried
        var appended = false
        for (kind, writer) in [("vectors", vectors), ("rows", rows), ("texts", texts)] {
            if let writer { files[segmentRole(kind)] = try writer.finish(); appended = true }
        }
        appended = appended || files[segmentRole("vectors")] != nil
        vectors = nil; rows = nil; texts = nil
        var segmentList = segments
        // A segment for the appended rows; none for a write that appended nothing (its empty files
        // go with the other unnamed ones), unless the index would have no segment at all.
        if appended, count > segmentBase || segmentList?.isEmpty == true {
            segmentList?.append(Manifest.Segment(id: generation, rows: count - segmentBase))
        } else if appended {
            for kind in Self.segmentKinds { files[segmentRole(kind)] = nil; extra[segmentRole(kind)] = nil }
        }
        let labelsWriter = try ChecksummedWriter(fileURL("labels", "json"))
        try labelsWriter.write(Array(try JSONEncoder().encode(labels)))
        files["labels"] = try labelsWriter.finish()
        let deletedRows = deletedCount
        if deletedRows > 0, let mask = deleted?.extended(to: count, allSet: false) {
            let w = try ChecksummedWriter(fileURL("deleted", "bin"))
            var bytes = [UInt8]()
            bytes.reserveCapacity(mask.words.count * 8)
            for word in mask.words { withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) } }
            try w.write(bytes)
            files["deleted"] = try w.finish()
        }
        files.merge(extra) { $1 }
        let halfCodes = kinds.contains(VectorEncoding.f16.rawValue) || kinds.contains(VectorEncoding.bf16.rawValue)
        let manifest = Manifest(version: halfCodes ? Manifest.halfCodesVersion : min(version, Manifest.currentVersion), generation: generation,
                                embedder: embedder, dimension: dimension, count: count,
                                deleted: deletedRows > 0 ? deletedRows : nil, segments: segmentList,
                                metadata: metadataSchema.isEmpty ? nil : metadataSchema,
                                kinds: kinds.sorted(), sources: sources, files: files, settings: settings)
        let tmp = folder.appendingPathComponent(".manifest.json.tmp")
        let mw = try ChecksummedWriter(tmp)
        try mw.write(Array(try manifest.encoded()))
        _ = try mw.finish()
        guard rename(tmp.path, folder.appendingPathComponent(Manifest.fileName).path) == 0 else {
            throw StoreError.unwritable(path: folder.path, reason: "rename manifest: " + String(cString: strerror(errno)))
        }
        ChecksummedWriter.syncDirectory(folder)
        committed = true
        Self.removeUnreferenced(in: folder, keeping: Set(files.values.map(\.name)))
        releaseLock()
        return manifest
    }

    /// Drops this generation's files (the current index is untouched).
    public func abandon() {
        vectors = nil; rows = nil; texts = nil
        let suffix = ".\(generation)."
        let fm = FileManager.default
        if let items = try? fm.contentsOfDirectory(atPath: folder.path) {
            for name in items where name.contains(suffix) && !name.hasPrefix(".") {
                try? fm.removeItem(at: folder.appendingPathComponent(name))
            }
        }
        releaseLock()
        // A folder this writer created and never committed to goes away with it.
        if let left = try? fm.contentsOfDirectory(atPath: folder.path), left.allSatisfy({ $0 == ".lock" }) {
            try? fm.removeItem(at: folder)
        }
    }

    static func removeUnreferenced(in folder: URL, keeping: Set<String>) {
        guard let items = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in items where !keeping.contains(name) && Self.isIndexFileName(name) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// `role.<digits>.ext`: the only names the writer creates (README.md and others are left alone).
    static func isIndexFileName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && !parts[0].isEmpty && !parts[1].isEmpty && parts[1].allSatisfy(\.isNumber)
    }

    static func existingManifest(_ folder: URL) throws -> Manifest? {
        do { return try Manifest.read(from: folder) } catch StoreError.missingIndex { return nil }
        catch StoreError.badManifest, StoreError.unsupportedVersion {
            // A damaged old index may be replaced; start past any generation number on disk.
            return nil
        }
    }

    static func lockFolder(_ folder: URL) throws -> Int32 {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw StoreError.unwritable(path: folder.path, reason: error.localizedDescription)
        }
        let fd = open(folder.appendingPathComponent(".lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.unwritable(path: folder.path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StoreError.unwritable(path: folder.path, reason: "another rag process is writing this index")
        }
        return fd
    }
}

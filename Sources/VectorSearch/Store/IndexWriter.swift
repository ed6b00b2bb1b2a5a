// IndexWriter: streams rows into a new generation of an index folder and commits it atomically.
public import Foundation
public import LinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// Writes a new generation of files (`vectors.<gen>.f32`, `rows.<gen>.bin`, ...) beside the
/// current ones, fsyncs them, then renames a new `manifest.json` over the old one. Until that
/// rename, readers and a crash see the old index whole; after it, the new one. Files of other
/// generations are removed after the commit (and at the next write, if a crash left them).
public final class IndexWriter {
    public let folder: URL
    public let generation: Int
    public let dimension: Int
    public let embedder: String
    public private(set) var count = 0
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
    /// Rows copied per step when `rag index add` carries the stored rows into the new generation.
    static let copyChunk = 4_096

    /// Starts a fresh index in `folder` (created if missing). An existing index there stays
    /// readable until `commit()`; a folder holding something else is refused.
    public init(folder: URL, embedder: String, dimension: Int) throws {
        let old = try Self.existingManifest(folder)
        self.folder = folder
        self.embedder = embedder
        self.dimension = dimension
        self.generation = (old?.generation ?? 0) + 1
        self.lock = try Self.lockFolder(folder)
        try openRowFiles()
    }

    /// Starts the next generation of `store`. With `appendingRows`, the stored rows are copied into
    /// the new generation and more can be appended (`rag index add`); without, the row files are
    /// kept as they are and only parts (IVF, head) are added or replaced.
    public init(updating store: IndexStore, appendingRows: Bool) throws {
        folder = store.folder
        embedder = store.manifest.embedder
        dimension = store.manifest.dimension
        generation = store.manifest.generation + 1
        lock = try Self.lockFolder(store.folder)
        sources = store.manifest.sources
        kinds = store.manifest.kinds
        settings = store.manifest.settings
        labels = store.documents.labels
        for (i, l) in labels.enumerated() { labelIndex[l] = UInt32(i) }
        if appendingRows {
            try openRowFiles()
            // In chunks: materialising every stored text at once held them all in memory beside the mapping.
            for lo in stride(from: 0, to: store.count, by: Self.copyChunk) {
                let hi = min(store.count, lo + Self.copyChunk)
                try appendNormalized(store.flat.storage.row(lo), rows: hi - lo,
                                     documents: (lo..<hi).map { store.documents.document($0) })
            }
            for (role, entry) in store.manifest.files where !["vectors", "rows", "texts", "labels"].contains(role) {
                carried[role] = entry
            }
        } else {
            carried = store.manifest.files
            carried["labels"] = nil
            count = store.count
        }
    }

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
    /// once, so every later score is an inner product.
    public func append(_ vectors: Matrix, documents: [Document]) throws {
        precondition(vectors.rows == documents.count, "\(vectors.rows) vectors for \(documents.count) documents")
        guard vectors.rows > 0 else { return }
        precondition(vectors.cols == dimension, "vector dimension \(vectors.cols), index \(dimension)")
        let normalized = Normalization.normalizedRows(vectors)
        try normalized.storage.withUnsafeBufferPointer { buf in
            try appendNormalized(buf.baseAddress!, rows: vectors.rows, documents: documents)
        }
    }

    private func appendNormalized(_ p: UnsafePointer<Float>, rows n: Int, documents: [Document]) throws {
        guard let vectors, let rows, let texts else {
            preconditionFailure("this writer only adds parts; open it with appendingRows: true")
        }
        try vectors.write(floats: UnsafeBufferPointer(start: p, count: n * dimension))
        for doc in documents {
            let utf8 = Array(doc.text.utf8)
            try rows.write(UInt64(texts.bytesWritten))
            try rows.write(UInt32(utf8.count))
            try rows.write(label(doc.label))
            try rows.write(UInt64(doc.sourceRow))
            try texts.write(utf8)
        }
        count += n
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

    /// Writes a part's file (`role.<gen>.ext`) through `body` and records it under `role`.
    public func writePartFile(role: String, ext: String, _ body: (PartFileWriter) throws -> Void) throws {
        let w = try ChecksummedWriter(fileURL(role, ext))
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

    /// The vectors written so far (the new generation's file, mapped), for parts that train on them.
    public func writtenVectors() throws -> VectorStorage {
        if let vectors {
            let entry = try vectors.finish()
            self.vectors = nil
            carried["vectors"] = entry
        }
        guard let entry = carried["vectors"] else { preconditionFailure("no vectors file") }
        let file = try MappedFile(folder.appendingPathComponent(entry.name), expectedSize: entry.bytes)
        return try VectorStorage(mapped: file, count: count, dimension: dimension)
    }

    /// Finishes every file, writes and renames the manifest, removes other generations' files.
    @discardableResult
    public func commit() throws -> Manifest {
        var files = carried
        if let vectors { files["vectors"] = try vectors.finish() }
        if let rows { files["rows"] = try rows.finish() }
        if let texts { files["texts"] = try texts.finish() }
        vectors = nil; rows = nil; texts = nil
        let labelsWriter = try ChecksummedWriter(fileURL("labels", "json"))
        try labelsWriter.write(Array(try JSONEncoder().encode(labels)))
        files["labels"] = try labelsWriter.finish()
        files.merge(extra) { $1 }
        let manifest = Manifest(generation: generation, embedder: embedder, dimension: dimension, count: count,
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

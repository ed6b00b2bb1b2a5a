// IndexStore: an opened index folder (manifest checked, vectors mapped, documents validated), and verify.
public import Foundation
import Synchronization

/// A read-only view of an index folder. Opening checks the manifest, every file's presence and
/// size, and the documents' internal offsets; `verify()` also recomputes every checksum.
public final class IndexStore: Sendable {
    public let folder: URL
    public let manifest: Manifest
    public let flat: FlatIndex
    public let documents: DocumentStore
    /// The rows not deleted, when some are (nil: every row is live).
    public let live: RowMask?
    /// Each segment's id table (`ids@<segment>`), nil for a segment written before them.
    public let idTables: [IDTable?]
    /// Ids of the segments without a table, by row, read on first use.
    private let untabledIDs = Mutex<[String: Int]?>(nil)

    /// Rows stored, deleted ones included (row numbers run `0 ..< count`).
    public var count: Int { manifest.count }
    /// Rows not deleted.
    public var liveCount: Int { manifest.count - (manifest.deleted ?? 0) }
    public var dimension: Int { manifest.dimension }

    public static let defaultFolder = URL(fileURLWithPath: "index")

    public init(opening folder: URL) throws {
        self.folder = folder
        let manifest = try Manifest.read(from: folder)
        self.manifest = manifest
        let segments = manifest.rowSegments
        let roles = ["labels"] + segments.flatMap { s in ["vectors", "rows", "texts"].map { manifest.role($0, of: s) } }
        for role in roles where manifest.files[role] == nil {
            throw StoreError.badManifest(path: folder.appendingPathComponent(Manifest.fileName).path,
                                         reason: "no \(role) file listed")
        }
        flat = FlatIndex(segments: try segments.map { s in
            try VectorStorage(mapped: try Self.map(manifest, manifest.role("vectors", of: s), in: folder), count: s.rows, dimension: manifest.dimension)
        })
        let labelsFile = try Self.map(manifest, "labels", in: folder)
        let labels: [String]
        do {
            labels = try JSONDecoder().decode([String].self, from: Data(bytes: labelsFile.bytes, count: labelsFile.size))
        } catch {
            throw StoreError.corrupt(file: manifest.files["labels"]!.name, reason: "not a JSON list of labels")
        }
        let schema = manifest.metadata ?? [:]
        documents = try DocumentStore(segments: try segments.map { s in
            (try Self.map(manifest, manifest.role("rows", of: s), in: folder), try Self.map(manifest, manifest.role("texts", of: s), in: folder), s.rows)
        }, metadata: try segments.map { s in
            let role = manifest.role("meta", of: s)
            guard manifest.files[role] != nil else { return nil }
            return try SegmentMetadata(file: try Self.map(manifest, role, in: folder), name: manifest.files[role]!.name, rows: s.rows, schema: schema)
        }, labels: labels, hasIDs: manifest.version >= 2)
        live = try Self.liveRows(manifest, in: folder)
        idTables = try segments.map { s in
            let role = manifest.role("ids", of: s)
            guard manifest.files[role] != nil else { return nil }
            return try IDTable(file: try Self.map(manifest, role, in: folder), rows: s.rows, name: manifest.files[role]!.name)
        }
    }

    /// The live row holding `id`, or nil: a binary search in each segment's id table (the row's
    /// own id compared), and for segments written before id tables a map of their ids built once.
    public func liveRow(ofID id: String) -> Int? {
        guard documents.hasIDs else { return nil }
        let hash = IDTable.hash(id)
        for (s, table) in idTables.enumerated() {
            guard let table else { continue }
            for r in table.candidates(hash: hash) {
                let row = documents.bases.starts[s] + r
                if isLive(row), documents.id(row) == id { return row }
            }
        }
        guard idTables.contains(where: { $0 == nil }) else { return nil }
        return untabledIDs.withLock { map in
            if map == nil {
                var built: [String: Int] = [:]
                for (s, table) in idTables.enumerated() where table == nil {
                    for row in documents.bases.starts[s]..<documents.bases.starts[s + 1] where isLive(row) {
                        if let id = documents.id(row) { built[id] = row }
                    }
                }
                map = built
            }
            return map![id]
        }
    }

    /// `deleted.<gen>.bin`: one bit per stored row (set: deleted), in u64 little-endian words;
    /// its population must be the manifest's `deleted`.
    private static func liveRows(_ manifest: Manifest, in folder: URL) throws -> RowMask? {
        guard let deleted = manifest.deleted, deleted > 0 else { return nil }
        let file = try map(manifest, "deleted", in: folder)
        let name = manifest.files["deleted"]!.name
        let words = (manifest.count + 63) / 64
        guard file.size == words * 8 else { throw StoreError.sizeMismatch(file: name, expected: words * 8, actual: file.size) }
        guard let tombstones = RowMask(count: manifest.count, words: (0..<words).map { file.load(UInt64.self, at: $0 * 8) }),
              tombstones.population == deleted else {
            throw StoreError.corrupt(file: name, reason: "it does not mark the \(deleted) deleted rows the manifest counts")
        }
        return tombstones.complement()
    }

    /// Whether row `i` is live (not deleted).
    public func isLive(_ i: Int) -> Bool { live?.contains(i) ?? true }

    /// The fields a filter can name: the metadata columns, `label`, and `id` (rows with ids).
    public var filterFields: [String: MetadataValue.Kind] {
        var fields = manifest.metadata ?? [:]
        fields["label"] = .string
        if documents.hasIDs { fields["id"] = .string }
        return fields
    }

    /// The live rows `filter` matches (`FilterError` for an unknown field or a mistyped value).
    public func rows(matching filter: FilterExpression) throws -> RowMask {
        let documents = self.documents
        let compiled = try RowFilter(filter, fields: filterFields) { field, row in
            switch field {
            case "label": return documents.label(row).map(MetadataValue.string)
            case "id": return documents.id(row).map(MetadataValue.string)
            default: return documents.metadataValue(field, row: row)
            }
        }
        let matched = compiled.mask(count: count)
        return live.map { matched.intersection($0) } ?? matched
    }

    /// Whether the index has an IVF part (`rag index build --kind ivf`).
    public var hasIVF: Bool { manifest.kinds.contains(IVFIndex.kind) }

    /// The IVF part, mapped and checked (each call maps it anew); `kindMissing` when there is none.
    public func ivf() throws -> IVFIndex { try IVFIndex(store: self) }

    /// How the scan reads the vectors: the codes part's encoding (`rag index build --vectors int8|f16|bf16`), else `f32`.
    public var vectorEncoding: VectorEncoding { QuantizedFlatIndex.encoding(of: manifest) ?? .f32 }

    /// The codes part over the flat rows, mapped and checked; `kindMissing` when there is none.
    public func quantized() throws -> QuantizedFlatIndex { try QuantizedFlatIndex(store: self) }

    /// Maps the file the manifest lists under `role`, checking its size.
    public static func map(_ manifest: Manifest, _ role: String, in folder: URL) throws -> MappedFile {
        guard let entry = manifest.files[role] else { throw StoreError.kindMissing(kind: role) }
        return try MappedFile(folder.appendingPathComponent(entry.name), expectedSize: entry.bytes)
    }

    /// One verified file: role, name, and whether size and SHA-256 match.
    public struct FileCheck: Sendable, Codable {
        public var role: String
        public var name: String
        public var ok: Bool
        public var problem: String?

        public init(role: String, name: String, ok: Bool, problem: String?) {
            self.role = role
            self.name = name
            self.ok = ok
            self.problem = problem
        }
    }

    /// Recomputes every file's SHA-256 (reads everything once). Opening the folder first is not
    /// required, so a damaged index can still be examined file by file.
    public static func verify(folder: URL) throws -> [FileCheck] {
        let manifest = try Manifest.read(from: folder)
        var checks: [FileCheck] = []
        for (role, entry) in manifest.files.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(entry.name)
            var check = FileCheck(role: role, name: entry.name, ok: false, problem: nil)
            if let attrs = try? FileManager.default.attributesOfItem(atPath: url.path),
               let size = attrs[.size] as? Int {
                if size != entry.bytes {
                    check.problem = StoreError.sizeMismatch(file: entry.name, expected: entry.bytes, actual: size).errorDescription
                } else if (try? ChecksummedWriter.sha256(of: url)) != entry.sha256 {
                    check.problem = StoreError.checksumMismatch(file: entry.name).errorDescription
                } else {
                    check.ok = true
                }
            } else {
                check.problem = StoreError.missingFile(file: entry.name).errorDescription
            }
            checks.append(check)
        }
        return checks
    }
}

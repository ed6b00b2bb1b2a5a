// Manifest: the index folder's table of contents (format, embedder, shape, files and their checksums).
import Foundation

/// `manifest.json`. It is written last and renamed into place, so whatever it names is complete.
public struct Manifest: Codable, Sendable, Equatable {
    public static let formatName = "localrag-index"
    /// Version 2: rows carry ids, deletions are a tombstone file (`deleted`). Version 1 indexes
    /// open (rows without ids) and take new parts; rows are added to them only after a rebuild.
    public static let currentVersion = 2
    /// Version 3: version 2 with a codes part only this version reads (`f16`, `bf16`), so a binary
    /// that predates them refuses the index rather than open it as float32 and add rows without codes.
    public static let halfCodesVersion = 3
    public static let supportedVersions = 1...3
    public static let fileName = "manifest.json"
    /// Bounds that keep `count * dimension * 4` (and `count * 24`) far from `Int.max`.
    static let maxDimension = 1 << 20
    static let maxCount = 1 << 40

    /// One file of the index: its name in the folder, size and SHA-256.
    public struct FileEntry: Codable, Sendable, Equatable {
        public var name: String
        public var bytes: Int
        public var sha256: String
    }

    /// One segment of rows: written whole in generation `id` (its files are named with it) and
    /// never rewritten, only dropped by compaction. Rows number on from segment to segment.
    public struct Segment: Codable, Sendable, Equatable {
        public var id: Int
        public var rows: Int

        public init(id: Int, rows: Int) {
            self.id = id
            self.rows = rows
        }
    }

    /// Where the rows came from.
    public struct Source: Codable, Sendable, Equatable {
        public var csv: String
        public var textColumn: String
        public var labelColumn: String?

        public init(csv: String, textColumn: String, labelColumn: String?) {
            self.csv = csv
            self.textColumn = textColumn
            self.labelColumn = labelColumn
        }
    }

    public var format: String
    public var version: Int
    /// Increases with every write; file names carry it, so a new write never touches the files
    /// the current manifest names.
    public var generation: Int
    public var created: String
    public var embedder: String
    public var dimension: Int
    /// Rows stored, deleted ones included (rows of the files).
    public var count: Int
    /// Rows marked deleted in the `deleted` file (absent: none).
    public var deleted: Int?
    /// The row segments in row order (absent: one, whose files have the roles "vectors", "rows",
    /// "texts": how format 1 and a single-segment index wrote them).
    public var segments: [Segment]?
    /// The metadata columns and their types (absent: none). A segment's values are in its
    /// `meta@<id>` file; a segment without one (or without a column) has nulls there.
    public var metadata: [String: MetadataValue.Kind]?
    public var metric: String
    /// Parts present: "flat" always, "ivf" and "head" when built.
    public var kinds: [String]
    public var sources: [Source]
    /// Files by role: "vectors", "rows", "texts", "labels", and the parts' own.
    public var files: [String: FileEntry]
    /// Free-form settings of the parts (e.g. "ivf.nlist", "ivf.nprobe").
    public var settings: [String: String]

    public init(version: Int = Manifest.currentVersion, generation: Int, embedder: String, dimension: Int, count: Int,
                deleted: Int? = nil, segments: [Segment]? = nil, metadata: [String: MetadataValue.Kind]? = nil,
                kinds: [String], sources: [Source], files: [String: FileEntry], settings: [String: String] = [:]) {
        self.metadata = metadata
        self.format = Self.formatName
        self.version = version
        self.deleted = deleted
        self.segments = segments
        self.generation = generation
        self.created = ISO8601DateFormatter().string(from: Date())
        self.embedder = embedder
        self.dimension = dimension
        self.count = count
        self.metric = "cosine"
        self.kinds = kinds
        self.sources = sources
        self.files = files
        self.settings = settings
    }

    /// Reads and checks `folder/manifest.json`.
    public static func read(from folder: URL) throws -> Manifest {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue,
               let items = try? FileManager.default.contentsOfDirectory(atPath: folder.path),
               items.contains(where: { !$0.hasPrefix(".") && $0 != "README.md" && !IndexWriter.isIndexFileName($0) }) {
                throw StoreError.notAnIndex(path: folder.relativePath)
            }
            throw StoreError.missingIndex(path: folder.relativePath)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StoreError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw StoreError.badManifest(path: url.path, reason: "not valid manifest JSON: \(Self.describe(error))")
        }
        guard manifest.format == formatName else {
            throw StoreError.badManifest(path: url.path, reason: "format is \"\(manifest.format)\", expected \"\(formatName)\"")
        }
        guard supportedVersions.contains(manifest.version) else {
            throw StoreError.unsupportedVersion(found: manifest.version, supported: supportedVersions.upperBound)
        }
        // Names are looked up inside the folder only: a name with a path separator could reach any file.
        if let bad = manifest.files.values.first(where: { $0.name.contains("/") || $0.name.hasPrefix(".") }) {
            throw StoreError.badManifest(path: url.path, reason: "file name \"\(bad.name)\" is not a plain file name in the folder")
        }
        guard manifest.dimension > 0, manifest.count >= 0, manifest.metric == "cosine",
              (0...manifest.count).contains(manifest.deleted ?? 0), manifest.version > 1 || manifest.deleted == nil else {
            throw StoreError.badManifest(path: url.path, reason: "dimension \(manifest.dimension), count \(manifest.count), deleted \(manifest.deleted ?? 0), metric \(manifest.metric)")
        }
        // File sizes are computed as count x dimension x 4: a damaged count must throw here, not trap on overflow.
        guard manifest.dimension <= maxDimension, manifest.count <= maxCount else {
            throw StoreError.badManifest(path: url.path, reason: "dimension \(manifest.dimension), count \(manifest.count) out of range")
        }
        if let segments = manifest.segments {
            // Summed with a bound, so a list of huge counts throws instead of overflowing.
            var total = 0
            for s in segments where total <= maxCount { total += (0...maxCount).contains(s.rows) ? s.rows : maxCount + 1 }
            guard !segments.isEmpty, total == manifest.count, Set(segments.map(\.id)).count == segments.count else {
                throw StoreError.badManifest(path: url.path, reason: "segments do not add up to the \(manifest.count) rows")
            }
        }
        return manifest
    }

    /// The segments in row order, format 1's single one included.
    public var rowSegments: [Segment] { segments ?? [Segment(id: generation, rows: count)] }

    /// The manifest role of a segment's file of `kind` ("vectors", "rows", "texts", or a part's
    /// per-segment file such as "ivf_lists"): `kind@id`, or `kind` alone without a segment list.
    public func role(_ kind: String, of segment: Segment) -> String {
        segments == nil ? kind : "\(kind)@\(segment.id)"
    }

    /// Encodes with sorted keys, so the same index gives the same bytes (diffable, checksum-stable).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    static func describe(_ error: Error) -> String {
        if case DecodingError.keyNotFound(let key, _) = error { return "missing key \"\(key.stringValue)\"" }
        if case DecodingError.typeMismatch(_, let ctx) = error {
            return "wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))"
        }
        if case DecodingError.dataCorrupted(let ctx) = error { return ctx.debugDescription }
        return "\(error)"
    }
}

// QuantizedFlatIndex+Store: the int8 part of an index folder (the quantizer and each segment's codes): writing it through IndexWriter, mapping it back.
import Foundation
import LinearAlgebra

/// The int8 part (`rag index build --vectors int8`) is the quantizer and, for each segment of
/// rows, its codes, each listed (size, SHA-256) in the manifest:
///
/// - `int8_quantizer.<gen>.bin`: a 16-byte header (magic `LRSQ8QNT`, u32 version 1, u32
///   dimension), then `dimension` little-endian Float32 minima and `dimension` Float32 steps.
/// - `int8_codes.<gen>.u8` (role `int8_codes@<segment>`): `[rows x dimension]` bytes, the
///   segment's rows in row order.
///
/// Rows appended later are encoded with the stored quantizer (values outside its ranges clamp; the
/// rescoring is exact either way); compaction trains it anew on the live rows. The float32 rows
/// stay the index's `vectors` files: the scan reads the codes, the rescoring reads only the
/// candidates' rows.
extension QuantizedFlatIndex {
    public static let kind = "int8"
    /// Manifest file roles; all start with `kind`, so `IndexWriter.setKind` drops them together.
    public enum Role {
        public static let quantizer = "int8_quantizer"
        public static let codes = "int8_codes"
    }
    /// Manifest settings.
    public enum Setting {
        /// Candidates kept per result (`k · rescore`) when a search does not say.
        public static let rescore = "int8.rescore"
        public static let trainedRows = "int8.trained-rows"
        /// The generation whose commit trained the quantizer.
        public static let trainedGeneration = "int8.trained.generation"
        /// What `rag index tune` measured for the stored rescore.
        public static let tunedRecall = "int8.tune.recall"
        public static let tunedTarget = "int8.tune.target"
        public static let tunedSample = "int8.tune.sample"
    }

    static let magic = Array("LRSQ8QNT".utf8)
    static let formatVersion: UInt32 = 1
    static let headerSize = 16
    /// Rows encoded per step while writing codes.
    static let encodeChunk = 4_096

    // MARK: Opening

    /// Maps the int8 part of `store`: the quantizer (checked: magic, version, dimension, finite
    /// ranges) and one code file per segment, sized rows x dimension. The default rescore factor
    /// is the manifest's `int8.rescore`.
    public init(store: IndexStore) throws {
        let manifest = store.manifest, folder = store.folder
        guard manifest.kinds.contains(Self.kind) else { throw StoreError.kindMissing(kind: Self.kind) }
        let segments = manifest.rowSegments
        let manifestPath = folder.appendingPathComponent(Manifest.fileName).path
        for role in [Role.quantizer] + segments.map({ manifest.role(Role.codes, of: $0) }) where manifest.files[role] == nil {
            throw StoreError.badManifest(path: manifestPath, reason: "the int8 part lists no \(role) file")
        }
        let quantizer = try Self.readQuantizer(try IndexStore.map(manifest, Role.quantizer, in: folder),
                                               name: manifest.files[Role.quantizer]!.name, dimension: manifest.dimension)
        let codes = try segments.map { s in
            try CodeStorage(mapped: try IndexStore.map(manifest, manifest.role(Role.codes, of: s), in: folder),
                            count: s.rows, dimension: manifest.dimension)
        }
        let rescore = manifest.settings[Setting.rescore].flatMap { Int($0) } ?? Self.defaultRescore
        guard rescore >= 1 else { throw StoreError.badManifest(path: manifestPath, reason: "\(Setting.rescore) is \(rescore), at least 1 expected") }
        self.init(exact: store.flat, quantizer: quantizer, codes: codes, rescore: rescore)
    }

    private static func readQuantizer(_ file: MappedFile, name: String, dimension: Int) throws -> ScalarQuantizer {
        func corrupt(_ reason: String) -> StoreError { .corrupt(file: name, reason: reason) }
        guard file.size >= headerSize, file.starts(with: magic) else {
            throw corrupt("not an int8 quantizer file (bad magic)")
        }
        let version = file.load(UInt32.self, at: 8)
        guard version == formatVersion else { throw corrupt("quantizer format version \(version), expected \(formatVersion)") }
        let stored = Int(file.load(UInt32.self, at: 12))
        guard stored == dimension else { throw corrupt("dimension \(stored), the index has \(dimension)") }
        let expected = headerSize + 8 * dimension
        guard file.size == expected else { throw StoreError.sizeMismatch(file: name, expected: expected, actual: file.size) }
        let values = (0..<(2 * dimension)).map { Float(bitPattern: file.load(UInt32.self, at: headerSize + 4 * $0)) }
        let minimum = Array(values[..<dimension]), step = Array(values[dimension...])
        guard minimum.allSatisfy(\.isFinite), step.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw corrupt("a minimum or step is not finite, or a step is negative")
        }
        return ScalarQuantizer(minimum: minimum, step: step)
    }

    // MARK: Writing

    /// `rag index build --vectors int8` (and compaction): trains the quantizer on the writer's one
    /// segment of rows (mapped back from the new generation's vectors file), encodes them, and
    /// writes the part into the writer's generation. Nothing is visible until the writer commits.
    /// Returns the quantizer.
    @discardableResult
    public static func build(in writer: IndexWriter, rescore: Int = defaultRescore) throws -> ScalarQuantizer {
        precondition(writer.segmentBase == 0, "an int8 part is trained on a fresh (or compacted) index's rows")
        precondition(rescore >= 1, "rescore must be at least 1")
        let source = try writer.writtenVectors()
        let quantizer = ScalarQuantizer.train(rows: source.pointer, count: source.count, dimension: source.dimension)
        try writer.writePartFile(role: Role.quantizer, ext: "bin") { w in
            try w.write(magic)
            try w.write(formatVersion)
            try w.write(UInt32(quantizer.dimension))
            try w.write(floats: quantizer.minimum)
            try w.write(floats: quantizer.step)
        }
        try writeCodes(in: writer, role: writer.segmentRole(Role.codes), name: Role.codes, source: source, quantizer: quantizer)
        writer.setKind(kind, present: true, settings: [Setting.rescore: "\(rescore)", Setting.trainedRows: "\(source.count)",
                                                       Setting.trainedGeneration: "\(writer.generation)"])
        return quantizer
    }

    /// `rag index add`: the writer's new segment of rows (from `self.count` on) is encoded with the
    /// stored quantizer into the segment's code file; the quantizer and the stored segments' codes
    /// are carried as they are. Returns the rows encoded.
    @discardableResult
    public func extend(in writer: IndexWriter) throws -> Int {
        precondition(writer.segmentBase == count, "the int8 part covers \(count) rows, the new segment starts at \(writer.segmentBase)")
        let source = try writer.writtenVectors()
        try Self.writeCodes(in: writer, role: writer.segmentRole(Role.codes), name: Role.codes, source: source, quantizer: quantizer)
        return source.count
    }

    /// The codes of `source`'s rows, in its order, into the writer's part file `role` (named
    /// `name.<generation>.u8`), a chunk of rows at a time: the int8 part's `int8_codes@<segment>`
    /// (the segment's rows) and the IVF part's `ivf_codes@<segment>` (its list-ordered vectors).
    static func writeCodes(in writer: IndexWriter, role: String, name: String, source: VectorStorage, quantizer: ScalarQuantizer) throws {
        try writer.writePartFile(role: role, ext: "u8", name: name) { w in
            for first in stride(from: 0, to: source.count, by: encodeChunk) {
                let n = min(encodeChunk, source.count - first)
                try w.write(quantizer.encode(rows: source.row(first), count: n))
            }
        }
    }
}

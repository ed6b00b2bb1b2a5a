// QuantizedFlatIndex+Store: the codes part of an index folder (int8: the quantizer and each segment's codes; f16, bf16: each segment's codes): writing it through IndexWriter, mapping it back.
import Foundation
import LinearAlgebra

/// The codes part (`rag index build --vectors int8|f16|bf16`) is named by its encoding in the
/// manifest's kinds (`int8`, `f16`, `bf16`; one at most) and holds, for each segment of rows, its
/// codes, each file listed (size, SHA-256) in the manifest:
///
/// - `int8_quantizer.<gen>.bin` (int8 only): a 16-byte header (magic `LRSQ8QNT`, u32 version 1,
///   u32 dimension), then `dimension` little-endian Float32 minima and `dimension` Float32 steps.
/// - `<kind>_codes.<gen>.u8` (int8) or `.u16` (f16, bf16; role `<kind>_codes@<segment>`):
///   `[rows x dimension]` codes of 1 or 2 bytes (little-endian IEEE float16 or bfloat16), the
///   segment's rows in row order.
///
/// Rows appended later are encoded with the stored quantizer (values outside its ranges clamp; the
/// rescoring is exact either way); compaction trains it anew on the live rows. The float32 rows
/// stay the index's `vectors` files: the scan reads the codes, the rescoring reads only the
/// candidates' rows.
extension QuantizedFlatIndex {
    /// The encodings that have a codes part, in the order an index's kinds are searched for one.
    public static let encodings: [VectorEncoding] = [.int8, .f16, .bf16]
    /// Manifest file roles; all start with the part's kind, so `IndexWriter.setKind` drops them together.
    public enum Role {
        public static let quantizer = "int8_quantizer"
        /// Each segment's codes: `int8_codes`, `f16_codes`, `bf16_codes`.
        public static func codes(_ encoding: VectorEncoding) -> String { "\(encoding.rawValue)_codes" }
    }
    /// Manifest settings, prefixed by the part's kind (`int8.rescore`, `f16.rescore`, ...).
    public enum Setting {
        /// Candidates kept per result (`k · rescore`) when a search does not say.
        public static func rescore(_ encoding: VectorEncoding) -> String { "\(encoding.rawValue).rescore" }
        /// The rows the int8 quantizer was trained on.
        public static let trainedRows = "int8.trained-rows"
        /// The generation whose commit trained the int8 quantizer.
        public static let trainedGeneration = "int8.trained.generation"
        /// What `rag index tune` measured for the stored rescore.
        public static func tunedRecall(_ encoding: VectorEncoding) -> String { "\(encoding.rawValue).tune.recall" }
        public static func tunedTarget(_ encoding: VectorEncoding) -> String { "\(encoding.rawValue).tune.target" }
        public static func tunedSample(_ encoding: VectorEncoding) -> String { "\(encoding.rawValue).tune.sample" }
    }

    /// The encoding of the codes part `manifest` lists (nil: none, the float32 rows alone; the
    /// first when a damaged manifest lists two, which `init(store:)` refuses).
    public static func encoding(of manifest: Manifest) -> VectorEncoding? {
        encodings.first { manifest.kinds.contains($0.rawValue) }
    }

    static let magic = Array("LRSQ8QNT".utf8)
    static let formatVersion: UInt32 = 1
    static let headerSize = 16
    /// Rows encoded per step while writing codes.
    static let encodeChunk = 4_096

    // MARK: Opening

    /// Maps the codes part of `store`: the int8 quantizer (checked: magic, version, dimension,
    /// finite ranges) and one code file per segment, sized rows x dimension x the encoding's
    /// bytes. The default rescore factor is the manifest's `<kind>.rescore`.
    public init(store: IndexStore) throws {
        let manifest = store.manifest, folder = store.folder
        guard let encoding = Self.encoding(of: manifest) else {
            throw StoreError.kindMissing(kind: "int8, f16 or bf16")
        }
        let segments = manifest.rowSegments
        let manifestPath = folder.appendingPathComponent(Manifest.fileName).path
        let listed = Self.encodings.filter { manifest.kinds.contains($0.rawValue) }
        guard listed.count == 1 else {
            throw StoreError.badManifest(path: manifestPath, reason: "parts \(listed.map(\.rawValue).joined(separator: " and ")) both hold codes; one at most")
        }
        let roles = (encoding == .int8 ? [Role.quantizer] : []) + segments.map { manifest.role(Role.codes(encoding), of: $0) }
        for role in roles where manifest.files[role] == nil {
            throw StoreError.badManifest(path: manifestPath, reason: "the \(encoding.rawValue) part lists no \(role) file")
        }
        let format: CodeFormat = encoding == .int8
            ? .int8(try Self.readQuantizer(try IndexStore.map(manifest, Role.quantizer, in: folder),
                                           name: manifest.files[Role.quantizer]!.name, dimension: manifest.dimension))
            : .trained(encoding, blocks: [], dimension: manifest.dimension)
        let codes = try segments.map { s in
            try CodeStorage(mapped: try IndexStore.map(manifest, manifest.role(Role.codes(encoding), of: s), in: folder),
                            count: s.rows, dimension: manifest.dimension * encoding.bytesPerDimension)
        }
        let key = Setting.rescore(encoding)
        let rescore = manifest.settings[key].flatMap { Int($0) } ?? Self.defaultRescore
        guard rescore >= 1 else { throw StoreError.badManifest(path: manifestPath, reason: "\(key) is \(rescore), at least 1 expected") }
        self.init(exact: store.flat, format: format, codes: codes, rescore: rescore)
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

    /// `rag index build --vectors int8|f16|bf16` (and compaction): trains the int8 quantizer on
    /// the writer's one segment of rows (mapped back from the new generation's vectors file),
    /// encodes them, and writes the part into the writer's generation. Nothing is visible until
    /// the writer commits. Returns the format.
    @discardableResult
    public static func build(in writer: IndexWriter, encoding: VectorEncoding = .int8, rescore: Int = defaultRescore) throws -> CodeFormat {
        precondition(writer.segmentBase == 0, "a codes part is built on a fresh (or compacted) index's rows")
        precondition(rescore >= 1, "rescore must be at least 1")
        let source = try writer.writtenVectors()
        let format = CodeFormat.trained(encoding, blocks: [(source.pointer, source.count)], dimension: source.dimension)
        var settings = [Setting.rescore(encoding): "\(rescore)"]
        if let quantizer = format.quantizer {
            try writer.writePartFile(role: Role.quantizer, ext: "bin") { w in
                try w.write(magic)
                try w.write(formatVersion)
                try w.write(UInt32(quantizer.dimension))
                try w.write(floats: quantizer.minimum)
                try w.write(floats: quantizer.step)
            }
            settings[Setting.trainedRows] = "\(source.count)"
            settings[Setting.trainedGeneration] = "\(writer.generation)"
        }
        try writeCodes(in: writer, role: writer.segmentRole(Role.codes(encoding)), name: Role.codes(encoding), source: source, format: format)
        writer.setKind(encoding.rawValue, present: true, settings: settings)
        return format
    }

    /// `rag index add`: the writer's new segment of rows (from `self.count` on) is encoded with the
    /// stored format into the segment's code file; the quantizer and the stored segments' codes
    /// are carried as they are. Returns the rows encoded.
    @discardableResult
    public func extend(in writer: IndexWriter) throws -> Int {
        precondition(writer.segmentBase == count, "the codes part covers \(count) rows, the new segment starts at \(writer.segmentBase)")
        let source = try writer.writtenVectors()
        let role = Role.codes(format.encoding)
        try Self.writeCodes(in: writer, role: writer.segmentRole(role), name: role, source: source, format: format)
        return source.count
    }

    /// The codes of `source`'s rows, in its order, into the writer's part file `role` (named
    /// `name.<generation>.u8`, or `.u16` for 16-bit floats), a chunk of rows at a time: the codes
    /// part's `<kind>_codes@<segment>` (the segment's rows) and the IVF part's
    /// `ivf_codes@<segment>` (its list-ordered vectors).
    static func writeCodes(in writer: IndexWriter, role: String, name: String, source: VectorStorage, format: CodeFormat) throws {
        try writer.writePartFile(role: role, ext: format.fileExtension, name: name) { w in
            for first in stride(from: 0, to: source.count, by: encodeChunk) {
                let n = min(encodeChunk, source.count - first)
                try w.write(format.encode(rows: source.row(first), count: n, dimension: source.dimension))
            }
        }
    }
}

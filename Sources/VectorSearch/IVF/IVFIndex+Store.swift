// IVFIndex+Store: the IVF part of an index folder: its three files, writing them through IndexWriter, mapping them back.
import Foundation
import LinearAlgebra

/// The IVF part is the centroids and, for each segment of rows, a list file and the segment's
/// vectors in list order, each listed (size, SHA-256) in the manifest:
///
/// - `ivf_centroids.<gen>.f32`: `[nlist x d]` little-endian Float32, the unit centroids.
/// - `ivf_lists.<gen>.bin` (role `ivf_lists@<segment>`): a 32-byte header (magic `LRIVFLST`, u32
///   version 1, u32 dimension, u64 nlist, u64 count), then `nlist + 1` u64 entry offsets, then
///   `count` u32 row ids (the index's row numbers, the segment's own) in list order.
/// - `ivf_vectors.<gen>.f32` (role `ivf_vectors@<segment>`): `[count x d]` Float32, the
///   segment's vectors in list order (entry `e` is row `ids[e]`), so each list of a segment is
///   one contiguous sgemm operand.
/// - `ivf_codes.<gen>.u8` or `.u16` (role `ivf_codes@<segment>`), only in an index with a codes
///   part as well (`--kind ivf --vectors int8|f16|bf16`): `[count x d]` codes of that part's
///   format, the same entries' (`QuantizedIVFIndex` scans them and rescores against `ivf_vectors`).
///
/// An index without a segment list has one segment and the roles without `@`. All files are
/// memory-mapped on open. A search touches the centroids, the probed lists' ids and vectors, and
/// none of the flat `vectors` files, so the pages in RAM for IVF search are about `4d + 4` bytes
/// per row (+ `4d` per list).
extension IVFIndex {
    public static let kind = "ivf"
    /// Manifest file roles; all start with `kind`, so `IndexWriter.setKind` drops them together.
    public enum Role {
        public static let centroids = "ivf_centroids"
        public static let lists = "ivf_lists"
        public static let vectors = "ivf_vectors"
        public static let codes = "ivf_codes"
    }
    /// Manifest settings.
    public enum Setting {
        public static let nlist = "ivf.nlist"
        public static let nprobe = "ivf.nprobe"
        public static let seed = "ivf.seed"
        public static let trainedRows = "ivf.trained-rows"
        public static let tunedRecall = "ivf.tune.recall"
        public static let tunedTarget = "ivf.tune.target"
        public static let tunedSample = "ivf.tune.sample"
        /// The lists' imbalance (`imbalance(sizes:)`) when the centroids were trained.
        public static let trainedImbalance = "ivf.imbalance.trained"
        /// The generation whose commit trained the centroids.
        public static let trainedGeneration = "ivf.trained.generation"
    }

    static let magic = Array("LRIVFLST".utf8)
    static let formatVersion: UInt32 = 1
    static let headerSize = 32

    /// What `build(in:)` trained and wrote.
    public struct BuildReport: Sendable {
        public var listCount: Int
        public var rows: Int
        public var kmeans: KMeans.Result
        public var emptyLists: Int
        public var largestList: Int
        /// The nprobe stored as the default: tuned when `tuning` is set, else `defaultNProbe(listCount:)`.
        public var defaultNProbe: Int
        public var tuning: TuningResult?
    }

    /// Rows sampled (leave-one-out) when `build(in:)` tunes nprobe.
    public static let buildTuningSample = 1_000

    // MARK: Opening

    /// Maps the IVF part of `store`, checking each segment's lists (header, offsets, and ids that
    /// cover the segment's rows once each) against the manifest. The default nprobe is the
    /// manifest's `ivf.nprobe` (set by `rag index tune`).
    public init(store: IndexStore) throws {
        let manifest = store.manifest, folder = store.folder
        guard manifest.kinds.contains(Self.kind) else { throw StoreError.kindMissing(kind: Self.kind) }
        let segments = manifest.rowSegments
        // Rows appended without the part (by a writer that did not extend it) are reported as such.
        if let missing = segments.firstIndex(where: { manifest.files[manifest.role(Role.lists, of: $0)] == nil }), missing > 0 {
            throw IVFError.rowCountMismatch(ivf: segments[..<missing].reduce(0) { $0 + $1.rows }, index: manifest.count)
        }
        let roles = [Role.centroids] + segments.flatMap { [manifest.role(Role.lists, of: $0), manifest.role(Role.vectors, of: $0)] }
        for role in roles where manifest.files[role] == nil {
            throw StoreError.badManifest(path: folder.appendingPathComponent(Manifest.fileName).path,
                                         reason: "the ivf part lists no \(role) file")
        }
        let centroidsFile = try IndexStore.map(manifest, Role.centroids, in: folder)
        guard centroidsFile.size % (4 * manifest.dimension) == 0, centroidsFile.size > 0 else {
            throw StoreError.corrupt(file: manifest.files[Role.centroids]!.name, reason: "not a whole number of centroids")
        }
        let centroids = try VectorStorage(mapped: centroidsFile, count: centroidsFile.size / (4 * manifest.dimension),
                                          dimension: manifest.dimension)
        var parts: [InvertedLists] = [], first = 0
        for segment in segments {
            parts.append(try Self.openLists(manifest, segment: segment, rows: first..<(first + segment.rows),
                                            listCount: centroids.count, in: folder))
            first += segment.rows
        }
        self.init(quantizer: FlatIndex(storage: centroids), parts: parts,
                  defaultNProbe: manifest.settings[Setting.nprobe].flatMap { Int($0) })
    }

    /// One segment's lists: `rows` are its rows' numbers in the index.
    private static func openLists(_ manifest: Manifest, segment: Manifest.Segment, rows: Range<Int>, listCount: Int,
                                  in folder: URL) throws -> InvertedLists {
        let role = manifest.role(Role.lists, of: segment)
        let listsFile = try IndexStore.map(manifest, role, in: folder)
        let name = manifest.files[role]!.name
        func corrupt(_ reason: String) -> StoreError { .corrupt(file: name, reason: reason) }
        guard listsFile.size >= Self.headerSize, listsFile.starts(with: Self.magic) else {
            throw corrupt("not an IVF list file (bad magic)")
        }
        let version = listsFile.load(UInt32.self, at: 8)
        guard version == Self.formatVersion else { throw corrupt("IVF list format version \(version), expected \(Self.formatVersion)") }
        let dimension = Int(listsFile.load(UInt32.self, at: 12))
        let nlist = Int(truncatingIfNeeded: listsFile.load(UInt64.self, at: 16))
        let count = Int(truncatingIfNeeded: listsFile.load(UInt64.self, at: 24))
        guard dimension == manifest.dimension else { throw corrupt("dimension \(dimension), the index has \(manifest.dimension)") }
        guard count == rows.count else { throw IVFError.rowCountMismatch(ivf: count, index: rows.count) }
        guard nlist == listCount, rows.upperBound <= Int(UInt32.max) else { throw corrupt("nlist \(nlist), the centroids are \(listCount)") }
        let idsOffset = Self.headerSize + 8 * (nlist + 1)
        let expected = idsOffset + 4 * count
        guard listsFile.size == expected else { throw StoreError.sizeMismatch(file: name, expected: expected, actual: listsFile.size) }

        var offsets = [Int](repeating: 0, count: nlist + 1)
        for l in 0...nlist { offsets[l] = Int(truncatingIfNeeded: listsFile.load(UInt64.self, at: Self.headerSize + 8 * l)) }
        guard offsets[0] == 0, offsets[nlist] == count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw corrupt("list offsets are not increasing from 0 to \(count)")
        }
        let ids = RowIDs(mapped: listsFile, offset: idsOffset, count: count)
        // Every row of the segment exactly once, so a damaged id fails here and not as a wrong answer later.
        var seen = [UInt64](repeating: 0, count: (count + 63) / 64)
        for e in 0..<count {
            let id = Int(ids.pointer[e]) - rows.lowerBound
            guard id >= 0, id < count, seen[id >> 6] & (1 << UInt64(id & 63)) == 0 else {
                throw corrupt("entry \(e) holds row id \(ids.pointer[e]): out of the segment's rows or repeated")
            }
            seen[id >> 6] |= 1 << UInt64(id & 63)
        }
        let vectors = try VectorStorage(mapped: try IndexStore.map(manifest, manifest.role(Role.vectors, of: segment), in: folder),
                                        count: count, dimension: dimension)
        return InvertedLists(offsets: offsets, rowIDs: ids, vectors: vectors)
    }

    // MARK: Writing

    /// `rag index build --kind ivf`: trains k-means on the rows written so far (mapped back from
    /// the new generation's vectors file), puts every row in its list, and writes the part into
    /// the writer's generation. With `targetRecall`, the default nprobe is tuned as `rag index
    /// tune` does, on `buildTuningSample` stored rows. With `codes`, the lists' entries are also
    /// written as its codes (`ivf_codes`), and nprobe is tuned on their search with `rescore`
    /// (the codes part's factor). Nothing is visible until the writer commits.
    @discardableResult
    public static func build(in writer: IndexWriter, listCount: Int? = nil,
                             configuration: KMeans.Configuration = trainingConfiguration(),
                             targetRecall: Double? = 0.95, codes: CodeFormat? = nil,
                             rescore: Int = QuantizedFlatIndex.defaultRescore) throws -> BuildReport {
        let source = try writer.writtenVectors()
        precondition(writer.segmentBase == 0, "an IVF part is built on a fresh index's rows")
        guard source.count > 0 else { throw IVFError.noRows }
        let nlist = listCount ?? defaultListCount(rows: source.count)
        let (quantizer, kmeans) = try trainQuantizer(on: source, listCount: nlist, configuration: configuration)
        let labels = assign(source.pointer, count: source.count, to: quantizer)
        let (offsets, ids) = InvertedLists.layout(labels: labels, listCount: nlist)
        let written = try writeParts(in: writer, centroids: quantizer.storage, offsets: offsets, ids: ids, source: source, codes: codes)
        let sizes = (0..<nlist).map { offsets[$0 + 1] - offsets[$0] }
        var settings = [Setting.nlist: "\(nlist)", Setting.seed: "\(configuration.seed)", Setting.trainedRows: "\(source.count)",
                        Setting.trainedImbalance: String(format: "%.4f", imbalance(sizes: sizes)), Setting.trainedGeneration: "\(writer.generation)"]
        var nprobe = defaultNProbe(listCount: nlist)
        var tuning: TuningResult?
        if let targetRecall {
            // Tune on the list-ordered vectors just written (mapped), so nothing is held twice.
            let index = IVFIndex(quantizer: quantizer, lists: InvertedLists(offsets: offsets, rowIDs: RowIDs(copying: ids), vectors: written.vectors))
            // With codes, the search tuned is the one queries get: the lists' codes scanned, candidates rescored.
            let searching = codes.flatMap { q in written.codes.map { QuantizedIVFIndex(ivf: index, format: q, codes: [$0], rescore: rescore) } }
            let (rows, queries) = sampleRows(of: FlatIndex(storage: source), count: buildTuningSample)
            let tuned = try index.tuneNProbe(queries: queries, exact: FlatIndex(storage: source),
                                             targetRecall: targetRecall, excluding: rows, searching: searching)
            nprobe = tuned.nprobe
            tuning = tuned
            settings[Setting.tunedRecall] = String(format: "%.4f", tuned.recall)
            settings[Setting.tunedTarget] = "\(targetRecall)"
            settings[Setting.tunedSample] = "\(tuned.queries)"
        }
        settings[Setting.nprobe] = "\(nprobe)"
        writer.setKind(kind, present: true, settings: settings)
        return BuildReport(listCount: nlist, rows: source.count, kmeans: kmeans,
                           emptyLists: sizes.filter { $0 == 0 }.count, largestList: sizes.max() ?? 0,
                           defaultNProbe: nprobe, tuning: tuning)
    }

    /// `rag index add`: the writer (opened with `IndexWriter(updating:appendingRows: true)` on the
    /// store `self` came from, then given the new rows) holds a new segment of rows from
    /// `self.count` on; they go to the list of their nearest centroid, without retraining, in list
    /// files of the new segment (the stored segments' lists and the centroids are carried as they
    /// are), with their codes as `codes` when the index has them. Returns the rows added.
    @discardableResult
    public func extend(in writer: IndexWriter, codes: CodeFormat? = nil) throws -> Int {
        precondition(writer.segmentBase == count, "the IVF part covers \(count) rows, the new segment starts at \(writer.segmentBase)")
        let source = try writer.writtenVectors()
        try writeSegmentLists(in: writer, source: source, labels: Self.assign(source.pointer, count: source.count, to: quantizer), codes: codes)
        return source.count
    }

    /// What compaction did to the IVF part.
    public struct RelistReport: Sendable, Equatable {
        /// The imbalance of the live rows on the centroids as trained.
        public var imbalance: Double
        /// Whether that passed `retrainImbalanceRatio` times the trained imbalance (`trained`), so
        /// the centroids were trained anew (same list count) and nprobe tuned again.
        public var retrained: Bool
        public var trained: Double?
    }

    /// Compaction: the writer's one segment of (renumbered) rows goes to the lists of their
    /// nearest centroids, the centroids kept as trained, unless the lists have drifted from
    /// `trainedImbalance` (`hasDrifted`) or `retrain` asks: then k-means runs again on the rows.
    /// With `codes`, the entries' codes are written too (`rescore`: the codes part's factor, for the tuning).
    @discardableResult
    public func relist(in writer: IndexWriter, trainedImbalance: Double?, retrain: Bool = false,
                       tuningTarget: Double? = 0.95, codes: CodeFormat? = nil,
                       rescore: Int = QuantizedFlatIndex.defaultRescore) throws -> RelistReport {
        precondition(writer.segmentBase == 0, "relisting is for a compacted index's one segment")
        let source = try writer.writtenVectors()
        let labels = Self.assign(source.pointer, count: source.count, to: quantizer)
        var sizes = [Int](repeating: 0, count: listCount)
        for l in labels { sizes[Int(l)] += 1 }
        let now = Self.imbalance(sizes: sizes)
        guard retrain || Self.hasDrifted(now: now, trained: trainedImbalance), source.count >= listCount else {
            try writeSegmentLists(in: writer, source: source, labels: labels, codes: codes)
            return RelistReport(imbalance: now, retrained: false, trained: trainedImbalance)
        }
        try Self.build(in: writer, listCount: listCount, targetRecall: tuningTarget, codes: codes, rescore: rescore)
        return RelistReport(imbalance: now, retrained: true, trained: trainedImbalance)
    }

    /// The writer's segment's lists for rows `source` assigned to `labels` (the centroids carried).
    private func writeSegmentLists(in writer: IndexWriter, source: VectorStorage, labels: [Int32], codes: CodeFormat?) throws {
        guard writer.count <= Int(UInt32.max) else { throw IVFError.tooManyRows(writer.count) }
        let (offsets, ids) = InvertedLists.layout(labels: labels, listCount: listCount, firstRow: writer.segmentBase)
        try Self.writeParts(in: writer, centroids: nil, offsets: offsets, ids: ids, source: source, codes: codes)
    }

    /// Writes the writer's segment's list file and list-ordered vectors (gathered from `source`,
    /// the segment's rows, by row id less the segment's first row), and the centroids unless nil
    /// (kept from the previous generation), and the same entries' codes by `codes` unless nil
    /// (encoded from the list-ordered vectors just written). Returns those two files mapped.
    @discardableResult
    static func writeParts(in writer: IndexWriter, centroids: VectorStorage?, offsets: [Int], ids: [UInt32],
                           source: VectorStorage, codes: CodeFormat?) throws -> (vectors: VectorStorage, codes: CodeStorage?) {
        let d = source.dimension
        if let centroids {
            try writer.writePartFile(role: Role.centroids, ext: "f32") { w in
                try w.write(floats: UnsafeBufferPointer(start: centroids.pointer, count: centroids.count * d))
            }
        }
        try writer.writePartFile(role: writer.segmentRole(Role.lists), ext: "bin", name: Role.lists) { w in
            try w.write(magic)
            try w.write(formatVersion)
            try w.write(UInt32(d))
            try w.write(UInt64(offsets.count - 1))
            try w.write(UInt64(ids.count))
            var header = [UInt8]()
            header.reserveCapacity(8 * offsets.count)
            for o in offsets { withUnsafeBytes(of: UInt64(o).littleEndian) { header.append(contentsOf: $0) } }
            try w.write(header)
            try ids.withUnsafeBytes { try w.write(Array($0)) }
        }
        try writer.writePartFile(role: writer.segmentRole(Role.vectors), ext: "f32", name: Role.vectors) { w in
            for id in ids {
                try w.write(floats: UnsafeBufferPointer(start: source.row(Int(id) - writer.segmentBase), count: d))
            }
        }
        let vectors = try VectorStorage(mapped: try MappedFile(writer.fileURL(Role.vectors, "f32"), expectedSize: ids.count * d * 4),
                                        count: ids.count, dimension: d)
        guard let codes else { return (vectors, nil) }
        try QuantizedFlatIndex.writeCodes(in: writer, role: writer.segmentRole(Role.codes), name: Role.codes, source: vectors, format: codes)
        let rowBytes = d * codes.bytesPerDimension
        let written = try CodeStorage(mapped: try MappedFile(writer.fileURL(Role.codes, codes.fileExtension), expectedSize: ids.count * rowBytes),
                                      count: ids.count, dimension: rowBytes)
        return (vectors, written)
    }
}

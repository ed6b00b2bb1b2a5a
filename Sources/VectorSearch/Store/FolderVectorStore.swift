// FolderVectorStore: an index folder as the writable store: its rows searched flat, through the IVF part or the codes (int8, f16, bf16), written generation by generation.
public import Foundation
public import LinearAlgebra
import Synchronization

/// One committed generation of an index folder: the flat vectors, the IVF part or the codes
/// when built (what searches use unless `exact`), the parts and settings beside them. Writes go through
/// `IndexWriter` (a lock file keeps a second writer out; the manifest's rename commits).
public final class FolderVectorStore: WritableVectorStore {
    /// The opened generation.
    public let index: IndexStore
    /// The IVF part, when the index has one.
    public let ivf: IVFIndex?
    /// The codes over the flat rows, when the index has them (`--vectors int8|f16|bf16`).
    public let quantized: QuantizedFlatIndex?
    /// The IVF lists' codes, when the index has both parts (`--kind ivf --vectors int8|f16|bf16`).
    public let quantizedIVF: QuantizedIVFIndex?
    private let exactSearch: LocalVectorStore
    /// The approximate search: through the IVF lists (their codes, rescored, when there are codes), or the codes with exact rescoring.
    private let approximateSearch: LocalVectorStore?
    /// The last filter searched with and its rows: a classification asks the same one batch after batch.
    private let lastFilter = Mutex<(FilterExpression, RowMask)?>(nil)

    public init(_ index: IndexStore) throws {
        self.index = index
        ivf = index.hasIVF ? try index.ivf() : nil
        quantized = index.vectorEncoding == .f32 ? nil : try index.quantized()
        if let ivf, let quantized {
            quantizedIVF = try QuantizedIVFIndex(ivf: ivf, quantized: quantized, store: index)
        } else {
            quantizedIVF = nil
        }
        exactSearch = LocalVectorStore(index)
        let approximate: (any VectorIndex)? = quantizedIVF ?? ivf ?? quantized
        approximateSearch = approximate.map { LocalVectorStore(index, index: $0) }
    }

    public convenience init(opening folder: URL) throws {
        try self.init(try IndexStore(opening: folder))
    }

    public var folder: URL { index.folder }
    public var location: String { index.folder.relativePath }
    /// Live rows.
    public var count: Int { index.liveCount }
    public var deletedCount: Int { index.manifest.deleted ?? 0 }
    public var segmentCount: Int { index.manifest.rowSegments.count }

    /// Every file in the folder now (stray ones of a killed writer included, until the next write removes them).
    public var bytesOnDisk: Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.reduce(0) { sum, name in
            sum + ((try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
        }
    }
    public var dimension: Int { index.dimension }
    public var embedderIdentifier: String { index.manifest.embedder }
    public var labels: [String] { index.documents.labels }
    public var generation: Int { index.manifest.generation }
    public var created: String? { index.manifest.created }
    public var keepsParts: Bool { true }
    /// Exact search always; nprobe when there is an IVF part, rescore when there are codes.
    public var knobs: SearchParameters.Knobs {
        var knobs: SearchParameters.Knobs = [.exact]
        if ivf != nil { knobs.insert(.nprobe) }
        if quantized != nil { knobs.insert(.rescore) }
        return knobs
    }

    /// With a mask (a filter), IVF probes more lists the fewer rows pass (nprobe / selectivity),
    /// and below one row in `FlatIndex.sparseFraction` the allowed rows are scored exactly.
    public func nearest(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> [[ScoredDocument]] {
        var parameters = parameters
        if let filter = parameters.filter {
            let mask = try rows(matching: filter)
            parameters.allowed = parameters.allowed.map { $0.intersection(mask) } ?? mask
            parameters.filter = nil
        }
        if let allowed = parameters.allowed, let ivf, !parameters.exact {
            let passing = allowed.population
            if passing * FlatIndex.sparseFraction < index.count {
                parameters.exact = true
            } else if passing < count {
                let scaled = Double(ivf.nprobe(for: parameters)) * Double(max(1, count)) / Double(max(1, passing))
                parameters.nprobe = min(ivf.listCount, Int(scaled.rounded(.up)))
            }
        }
        let search = parameters.exact ? exactSearch : approximateSearch ?? exactSearch
        return try search.nearest(queries, k: k, parameters: parameters)
    }

    public func rows(matching filter: FilterExpression) throws -> RowMask {
        if let (last, mask) = lastFilter.withLock({ $0 }), last == filter { return mask }
        let mask = try index.rows(matching: filter)
        lastFilter.withLock { $0 = (filter, mask) }
        return mask
    }

    public func count(matching filter: FilterExpression) throws -> Int { try rows(matching: filter).population }

    public func ids(matching filter: FilterExpression) throws -> [String] {
        try index.rows(matching: filter).members.compactMap { index.documents.id($0) }
    }

    public func labelledVectors() -> (vectors: Matrix, labels: [String?]) { exactSearch.labelledVectors() }

    public func labelledVectors(matching filter: FilterExpression) throws -> (vectors: Matrix, labels: [String?]) {
        exactSearch.labelledVectors(rows: try rows(matching: filter))
    }

    public func committedGeneration() throws -> Int { try Manifest.read(from: index.folder).generation }

    public func reopened() throws -> any WritableVectorStore { try FolderVectorStore(opening: index.folder) }

    /// Copies the live rows into a new generation (renumbered in order), the IVF lists rebuilt on
    /// the trained centroids, the codes encoded anew (an int8 quantizer trained anew) on the live rows; the deleted rows'
    /// bytes go with the old generation's files.
    public func compacted() throws -> any WritableVectorStore { try compacted(retrainingIVF: false) }

    /// `compacted()`; the IVF part's centroids are trained anew on the live rows when `retrainingIVF`
    /// or when its lists have drifted (`IVFIndex.hasDrifted`), else kept.
    public func compacted(retrainingIVF: Bool) throws -> FolderVectorStore {
        let writer = try IndexWriter(updating: index, appendingRows: true, droppingDeleted: true)
        do {
            // The quantizer first: the IVF lists' codes are written with the one trained anew.
            let codes = try quantized.map { try QuantizedFlatIndex.build(in: writer, encoding: $0.format.encoding, rescore: $0.rescore) }
            if let ivf {
                let settings = index.manifest.settings
                try ivf.relist(in: writer, trainedImbalance: settings[IVFIndex.Setting.trainedImbalance].flatMap(Double.init),
                               retrain: retrainingIVF, tuningTarget: settings[IVFIndex.Setting.tunedTarget].flatMap(Double.init) ?? 0.95,
                               codes: codes, rescore: quantized?.rescore ?? QuantizedFlatIndex.defaultRescore)
            }
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
        return try FolderVectorStore(opening: index.folder)
    }

    /// The IVF lists' imbalance over the live rows now and when their centroids were trained (nil
    /// when not recorded), or nil without an IVF part.
    public var ivfBalance: (now: Double, trained: Double?)? {
        ivf.map { ($0.imbalance(live: index.live), index.manifest.settings[IVFIndex.Setting.trainedImbalance].flatMap(Double.init)) }
    }

    public func beginWrite(appendingRows: Bool) throws -> any VectorStoreWrite {
        Write(store: self, writer: try IndexWriter(updating: index, appendingRows: appendingRows), appendingRows: appendingRows)
    }

    /// Every file's SHA-256 against the manifest committed now (the parts are opened by
    /// `reopened`, which `Workspace.verify` does when these all match).
    public func verify() throws -> [IndexStore.FileCheck] { try IndexStore.verify(folder: index.folder) }

    /// A single-file part stored under its kind (`head`), when the manifest lists the kind (a kind
    /// listed without its file is a damaged manifest: `kindMissing`).
    public func part(_ role: String) throws -> (file: MappedFile, name: String)? {
        guard index.manifest.kinds.contains(role) else { return nil }
        let file = try IndexStore.map(index.manifest, role, in: index.folder)
        return (file, index.manifest.files[role]!.name)
    }

    public var settings: [String: String] { index.manifest.settings }

    public func describe() throws -> StoreDescription {
        let m = index.manifest
        var lines: [(name: String, value: String)] = [
            ("index", "\(location) (format \(m.format) v\(m.version), generation \(m.generation))"),
            ("created", m.created),
            ("embedder", m.embedder),
            ("vectors", "\(m.count) x \(m.dimension), metric \(m.metric)"),
            ("rows", m.deleted.map { "\(count) live, \($0) deleted (until `rag index compact`)" } ?? "\(count)"),
            ("segments", "\(segmentCount)" + (segmentCount > 1 ? " (one per append; `rag index compact` makes one)" : "")),
            ("labels", "\(labels.count)"),
            ("parts", m.kinds.joined(separator: ", ")),
        ]
        if let quantized {
            let encoding = quantized.format.encoding
            lines.append(("codes", "\(encoding.rawValue), \(encoding.bytesPerDimension * m.dimension) bytes a row beside the float32 rows' \(4 * m.dimension)"
                          + (quantizedIVF != nil ? " (and beside the IVF lists' vectors, scanned by IVF search); " : "; ")
                          + "k x \(quantized.rescore) candidates rescored exactly (`rag query --rescore` to change)"))
        }
        if let ivf, let balance = ivfBalance {
            var text = String(format: "%d lists, imbalance %.2f", ivf.listCount, balance.now)
            if let trained = balance.trained {
                text += String(format: " (%.2f when trained; retrained past %.2f)", trained, IVFIndex.retrainImbalanceRatio * trained)
            }
            lines.append(("ivf", text))
        }
        for (key, value) in m.settings.sorted(by: { $0.key < $1.key }) { lines.append(("setting", "\(key) = \(value)")) }
        for s in m.sources { lines.append(("source", "\(s.csv) (text: \(s.textColumn), label: \(s.labelColumn ?? "-"))")) }
        for (role, f) in m.files.sorted(by: { $0.key < $1.key }) {
            let bytes = String(f.bytes)
            lines.append(("file", "\(f.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(repeating: " ", count: max(0, 12 - bytes.count)))\(bytes) bytes  \(role)"))
        }
        lines.append(("total", "\(m.files.values.reduce(0) { $0 + $1.bytes }) bytes"))
        return StoreDescription(lines: lines, json: try m.encoded())
    }

    /// A write into the folder's next generation. Rows appended also join the IVF lists of their
    /// nearest centroids at commit (no retraining), and are encoded in the stored codes format (int8: its stored quantizer).
    final class Write: VectorStoreWrite {
        let store: FolderVectorStore
        let writer: IndexWriter
        let appendingRows: Bool

        init(store: FolderVectorStore, writer: IndexWriter, appendingRows: Bool) {
            self.store = store
            self.writer = writer
            self.appendingRows = appendingRows
        }

        var nextRow: Int { writer.count }
        var parts: IndexWriter? { writer }

        func append(_ vectors: Matrix, documents: [Document]) throws {
            precondition(appendingRows, "a write begun without appendingRows takes parts only")
            try writer.append(vectors, documents: documents)
        }

        func delete(ids: [String]) throws -> [String] {
            guard store.index.documents.hasIDs else { throw StoreError.rowsWithoutIDs(path: store.location) }
            return writer.delete(ids: ids)
        }

        func commit() throws -> any WritableVectorStore {
            if appendingRows, let ivf = store.ivf { try ivf.extend(in: writer, codes: store.quantized?.format) }
            if appendingRows, let quantized = store.quantized { try quantized.extend(in: writer) }
            try writer.commit()
            return try store.reopened()
        }

        func abandon() { writer.abandon() }
    }
}

// MilvusStore+Writing: builds into Milvus: create the collection, upsert row batches (idempotent), flush, index, load, commit the properties.
public import LinearAlgebra
public import VectorSearch
import Foundation
import GRPCCore
import MilvusProto

extension MilvusStore {
    public func beginBuild(embedderIdentifier: String, dimension: Int, resume: Bool) throws -> Int {
        guard exists else {
            try create(embedderIdentifier: embedderIdentifier, dimension: dimension)
            return 0
        }
        try requireLocalRAG()
        try check(embedderIdentifier: embedderIdentifier, dimension: dimension)
        guard resume else { throw MilvusError.collectionExists(address: location, rows: try countRows()) }
        try setProperties([Property.state: State.building])
        // Batches go in row order, so an interrupted build leaves rows 0 ..< n, plus perhaps part
        // of the next batch; upserts from n redo that batch whole. Anything else starts over (upserts replace).
        let n = try countRows()
        return try n > 0 && countRows(where: "id >= 0 && id < \(n)") == n ? n : 0
    }

    public func beginAppend() throws {
        try requireReadable()
        try setProperties([Property.state: State.appending])
    }

    public func upsert(_ vectors: Matrix, documents: [Document]) throws {
        precondition(vectors.rows == documents.count, "one document per vector row")
        if let column = documents.lazy.flatMap(\.metadata.keys).first {
            guard keepsMetadata else {
                throw StoreError.unsupported(operation: "metadata (column \"\(column)\"; the collection was made before metadata: rebuild it into a new collection)",
                                             store: location)
            }
            // The columns' types are recorded before their rows are stored (a mistyped value stores nothing).
            let recorded = try MilvusStore(connection: connection).metadataSchema
            let schema = try Document.metadataSchema(recorded, adding: documents)
            if schema != recorded {
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                try setProperties([Property.metadata: String(decoding: try encoder.encode(schema), as: UTF8.self)])
            }
        }
        var start = 0
        while start < documents.count {
            // Up to batchRows rows and about 8 MiB per request.
            var end = start, bytes = 0
            while end < documents.count && end - start < connection.options.batchRows && bytes < 8 << 20 {
                bytes += vectors.cols * 4 + documents[end].text.utf8.count + 64
                end += 1
            }
            var request: Milvus_Proto_Milvus_UpsertRequest = address.request()
            request.fieldsData = try MilvusColumns.fields(vectors, rows: start..<end, documents: documents[start..<end], rowIDs: keepsRowIDs,
                                                          metadata: keepsMetadata)
            request.numRows = UInt32(end - start)
            // A retried request upserts the same keys again: the batch is stored once, whole.
            let answer = try connection.call("Upsert") { [request] service, metadata, options in
                try await service.upsert(request: ClientRequest(message: request, metadata: metadata), options: options)
            }
            try connection.check(answer.status, "Upsert")
            start = end
        }
    }

    public func commit(labels: [String], count: Int, index: RemoteIndexKind) throws {
        try commit(labels: labels, rows: count, nextRow: count, deleting: [], index: index)
    }

    /// Deletes the rows numbered `deleting`, flushes, checks that `rows` rows are stored, builds the
    /// index when there is none, loads, and records the state in the collection's properties.
    func commit(labels: [String], rows count: Int, nextRow: Int, deleting: [Int64], index: RemoteIndexKind) throws {
        try deleteRows(deleting)
        try flush()
        let stored = try countRows()
        guard stored == count else {
            throw MilvusError.unexpectedAnswer(address: location, operation: "Flush", detail: "\(stored) rows stored, \(count) expected")
        }
        var indexText = properties[Property.index] ?? ""
        if try describeIndex() == nil {
            let (type, params) = Self.indexParameters(index, rows: count)
            try createIndex(type: type, params: params)
            indexText = "\(type) \(params)"
        }
        try load()
        let labelsJSON = String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
        try setProperties([Property.labels: labelsJSON, Property.rows: "\(count)", Property.index: indexText, Property.state: State.committed,
                           Property.generation: "\(generation + 1)", Property.nextRow: "\(nextRow)"])
    }

    /// Deletes the rows with these row numbers (Milvus's Delete by key, in requests of a few thousand keys).
    func deleteRows(_ rows: [Int64]) throws {
        for start in stride(from: 0, to: rows.count, by: 4096) {
            var request: Milvus_Proto_Milvus_DeleteRequest = address.request()
            request.expr = "id in [\(rows[start..<min(rows.count, start + 4096)].map(String.init).joined(separator: ","))]"
            let answer = try connection.call("Delete") { [request] service, metadata, options in
                try await service.delete(request: ClientRequest(message: request, metadata: metadata), options: options)
            }
            try connection.check(answer.status, "Delete")
        }
    }

    /// The row number of each stored row holding one of `ids` (an id stored twice, as an
    /// interrupted upsert can leave it, has both), queried in pages of ids.
    func rowNumbers(holding ids: [String]) throws -> [(id: String, row: Int64)] {
        var found: [(id: String, row: Int64)] = []
        let unique = Array(Set(ids))
        for start in stride(from: 0, to: unique.count, by: 1000) {
            let page = unique[start..<min(unique.count, start + 1000)]
            let answer = try query("row_id in [\(page.map(MilvusExpression.quoted).joined(separator: ","))]", fields: [MilvusColumns.id, MilvusColumns.rowID])
            let rows = answer.longs(MilvusColumns.id), rowIDs = answer.strings(MilvusColumns.rowID)
            guard rows.count == rowIDs.count else {
                throw MilvusError.unexpectedAnswer(address: location, operation: "Query", detail: "\(rows.count) keys for \(rowIDs.count) ids")
            }
            found += zip(rowIDs, rows).map { ($0, $1) }
        }
        return found
    }

    /// One DescribeCollection: the generation the collection's properties record now.
    public func committedGeneration() throws -> Int { try MilvusStore(connection: connection).generation }

    public func reopened() throws -> any WritableVectorStore {
        let store = try MilvusStore(connection: connection)
        try store.requireReadable()
        return store
    }

    /// Drops the collection (every row and property).
    public func drop() throws {
        let request: Milvus_Proto_Milvus_DropCollectionRequest = address.request()
        let status = try connection.call("DropCollection") { service, metadata, options in
            try await service.dropCollection(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        try connection.check(status, "DropCollection")
    }

    /// Milvus's index type and its parameters (a JSON object) for `kind` over `rows` rows.
    static func indexParameters(_ kind: RemoteIndexKind, rows: Int) -> (type: String, params: String) {
        switch kind {
        case .flat: return ("FLAT", "{}")
        case .ivf(let nlist): return ("IVF_FLAT", "{\"nlist\":\(nlist ?? IVFIndex.defaultListCount(rows: rows))}")
        case .hnsw(let m, let ef): return ("HNSW", "{\"M\":\(m),\"efConstruction\":\(ef)}")
        }
    }

    private func create(embedderIdentifier: String, dimension: Int) throws {
        var request: Milvus_Proto_Milvus_CreateCollectionRequest = address.request()
        request.schema = try MilvusColumns.schema(name: address.collection, dimension: dimension).serializedData()
        request.consistencyLevel = .bounded
        request.properties = [
            (Property.format, "1"), (Property.embedder, embedderIdentifier), (Property.dimension, "\(dimension)"),
            (Property.labels, "[]"), (Property.rows, "0"), (Property.state, State.building),
        ].map { MilvusColumns.keyValue($0.0, $0.1) }
        let status = try connection.call("CreateCollection") { [request] service, metadata, options in
            try await service.createCollection(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        try connection.check(status, "CreateCollection")
    }

    func setProperties(_ values: [String: String]) throws {
        var request: Milvus_Proto_Milvus_AlterCollectionRequest = address.request()
        request.properties = values.sorted { $0.key < $1.key }.map { MilvusColumns.keyValue($0.key, $0.value) }
        let status = try connection.call("AlterCollection") { [request] service, metadata, options in
            try await service.alterCollection(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        try connection.check(status, "AlterCollection")
    }

    private func flush() throws {
        let (name, db) = (address.collection, address.database)
        let answer = try connection.call("Flush", timeout: connection.options.indexTimeout) { service, metadata, options in
            var request = Milvus_Proto_Milvus_FlushRequest()
            request.collectionNames = [name]
            request.dbName = db
            return try await service.flush(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        try connection.check(answer.status, "Flush")
    }

    /// The vector field's index, nil when there is none.
    func describeIndex() throws -> Milvus_Proto_Milvus_IndexDescription? {
        let request: Milvus_Proto_Milvus_DescribeIndexRequest = address.request { $0.fieldName = MilvusColumns.embedding }
        let answer = try connection.call("DescribeIndex") { service, metadata, options in
            try await service.describeIndex(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        // Milvus answers code 700 ("index not found"; Lite: "no index on collection …") when there is none.
        let reason = answer.status.reason.lowercased()
        if answer.status.code == 700 || reason.contains("index not found") || reason.contains("no index") { return nil }
        try connection.check(answer.status, "DescribeIndex")
        return answer.indexDescriptions.first { $0.fieldName == MilvusColumns.embedding } ?? answer.indexDescriptions.first
    }

    private func createIndex(type: String, params: String) throws {
        var request: Milvus_Proto_Milvus_CreateIndexRequest = address.request()
        request.fieldName = MilvusColumns.embedding
        request.indexName = MilvusColumns.embedding
        // The parameters go as one JSON object under "params" (Milvus Lite drops them as separate keys).
        request.extraParams = [("index_type", type), ("metric_type", "COSINE"), ("params", params)].map { MilvusColumns.keyValue($0.0, $0.1) }
        let status = try connection.call("CreateIndex", timeout: connection.options.indexTimeout) { [request] service, metadata, options in
            try await service.createIndex(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        try connection.check(status, "CreateIndex")
        // A cluster builds in the background: wait until every row is indexed.
        let deadline = Date().addingTimeInterval(Double(connection.options.indexTimeout.components.seconds))
        while let d = try describeIndex(), d.state != .finished {
            guard d.state != .failed else {
                throw MilvusError.server(address: location, operation: "CreateIndex", code: -1, reason: d.indexStateFailReason)
            }
            guard Date() < deadline else { throw MilvusError.unreachable(server: address.server, operation: "CreateIndex", detail: "index not built in time") }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    func load() throws {
        let request: Milvus_Proto_Milvus_LoadCollectionRequest = address.request()
        let status = try connection.call("LoadCollection", timeout: connection.options.indexTimeout) { service, metadata, options in
            try await service.loadCollection(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        try connection.check(status, "LoadCollection")
        let deadline = Date().addingTimeInterval(Double(connection.options.indexTimeout.components.seconds))
        while try loadState() != .loaded {
            guard Date() < deadline else { throw MilvusError.unreachable(server: address.server, operation: "LoadCollection", detail: "not loaded in time") }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    func loadState() throws -> Milvus_Proto_Common_LoadState {
        let request: Milvus_Proto_Milvus_GetLoadStateRequest = address.request()
        let answer = try connection.call("GetLoadState") { service, metadata, options in
            try await service.getLoadState(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        try connection.check(answer.status, "GetLoadState")
        return answer.state
    }
}

extension MilvusStore {
    /// Appends to, replaces or deletes rows of the committed collection (marked as being written
    /// until the commit). Rows are upserted by row number, so a batch sent twice stays once;
    /// deletes wait for the commit, after the new rows are stored, so an interrupted upsert leaves
    /// an id twice (the next upsert of it removes both old rows), never lost. Nothing else is
    /// written: a collection keeps vectors, texts, labels, ids and metadata only.
    public func beginWrite(appendingRows: Bool) throws -> any VectorStoreWrite {
        try beginAppend()
        return Write(store: self)
    }

    /// The live rows `filter` matches, over the row numbers `0 ..< nextRow`.
    public func rows(matching filter: FilterExpression) throws -> RowMask {
        var mask = RowMask(count: nextRow, allSet: false)
        try forEachPage(where: try expression(for: filter), fields: [MilvusColumns.id], pageRows: Self.rowsPerPage * 10) { _, answer in
            for row in answer.longs(MilvusColumns.id) where row >= 0 && Int(row) < nextRow { mask.insert(Int(row)) }
        }
        return mask
    }

    public func ids(matching filter: FilterExpression) throws -> [String] {
        guard keepsRowIDs else { throw MilvusError.noRowIDs(address: location) }
        var ids: [(Int64, String)] = []
        try forEachPage(where: try expression(for: filter), fields: [MilvusColumns.id, MilvusColumns.rowID], pageRows: Self.rowsPerPage * 10) { _, answer in
            ids += zip(answer.longs(MilvusColumns.id), answer.strings(MilvusColumns.rowID))
        }
        return ids.sorted { $0.0 < $1.0 }.map(\.1)
    }

    public func count(matching filter: FilterExpression) throws -> Int { try countRows(where: try expression(for: filter)) }

    /// Milvus removes deleted rows itself: none wait for LocalRAG's compaction.
    public var deletedCount: Int { 0 }
    /// Milvus keeps its own segments; to LocalRAG a collection is one.
    public var segmentCount: Int { 1 }
    /// The collection's bytes are the server's, not on this machine's disk.
    public var bytesOnDisk: Int { 0 }

    public func compacted() throws -> any WritableVectorStore {
        throw StoreError.unsupported(operation: "compaction (`rag index compact`; Milvus compacts its own segments)", store: "a Milvus collection")
    }

    final class Write: VectorStoreWrite {
        let store: MilvusStore
        private(set) var nextRow: Int
        private var labels: [String]
        /// Rows to delete at commit (row numbers), and the ids they hold.
        private var doomed: [Int64] = []
        private var doomedIDs: Set<String> = []
        private var appended = 0

        init(store: MilvusStore) {
            self.store = store
            nextRow = store.nextRow
            labels = store.labels
        }

        var parts: IndexWriter? { nil }

        func append(_ vectors: Matrix, documents: [Document]) throws {
            if store.keepsRowIDs {
                let ids = documents.compactMap(\.id)
                if let stored = try store.rowNumbers(holding: ids).first(where: { !doomedIDs.contains($0.id) }) {
                    throw StoreError.duplicateID(id: stored.id, row: Int(stored.row))
                }
            }
            try store.upsert(vectors, documents: documents)
            nextRow += documents.count
            appended += documents.count
            for label in documents.compactMap(\.label) where !labels.contains(label) { labels.append(label) }
        }

        /// Finds the rows holding `ids` now and deletes them at commit; an id asked twice, or not
        /// stored, is returned.
        func delete(ids: [String]) throws -> [String] {
            guard store.keepsRowIDs else { throw MilvusError.noRowIDs(address: store.location) }
            var rows: [String: [Int64]] = [:]
            for (id, row) in try store.rowNumbers(holding: ids.filter { !doomedIDs.contains($0) }) { rows[id, default: []].append(row) }
            var missing: [String] = []
            for id in ids {
                guard !doomedIDs.contains(id), let found = rows[id] else { missing.append(id); continue }
                doomed += found
                doomedIDs.insert(id)
            }
            return missing
        }

        func commit() throws -> any WritableVectorStore {
            let live = store.count + appended - doomed.count
            try store.commit(labels: labels, rows: live, nextRow: nextRow, deleting: doomed, index: .flat)
            return try store.reopened()
        }

        /// The rows upserted stay until a later append replaces them (same row numbers); the
        /// collection stays marked as being written, which readers report. Nothing is deleted.
        func abandon() {}
    }
}

// MilvusStore: a Milvus collection as LocalRAG's vector store: search, training rows, and (MilvusStore+Writing) builds that resume.
public import Foundation
public import LinearAlgebra
public import VectorSearch
import GRPCCore
import MilvusProto
import Synchronization

/// The rows of one Milvus collection (a cluster's or Milvus Lite's), searched by cosine similarity
/// through the collection's index. LocalRAG records the embedder, dimension, label list, row count
/// and build state as collection properties, so a collection built with another embedder, or one
/// whose build never committed, is refused like a damaged local index.
public final class MilvusStore: RemoteVectorStore {
    public let address: MilvusAddress
    /// Whether the collection exists (a build creates it).
    public let exists: Bool
    public let count: Int
    public let dimension: Int
    public let embedderIdentifier: String
    public let labels: [String]
    /// The build state recorded in the collection: building, appending or committed ("" when absent).
    public let state: String
    /// The collection's properties as read at open.
    public let properties: [String: String]
    /// Whether the collection keeps each row's id (a `row_id` field: collections made before ids lack it).
    public let keepsRowIDs: Bool
    /// Whether the collection keeps metadata (a `metadata` JSON field: collections made before metadata lack it).
    public let keepsMetadata: Bool
    /// The metadata columns and their types, as recorded at the last commit.
    public let metadataSchema: [String: MetadataValue.Kind]
    /// The row number the next appended row takes: rows are numbered in order and a deleted row's
    /// number is never reused, so the stored numbers lie in `0 ..< nextRow` with gaps.
    public let nextRow: Int
    package let connection: MilvusConnection
    /// The last filter searched with and how many rows pass it (a classification asks the same one batch after batch).
    private let lastFilterCount = Mutex<(FilterExpression, Int)?>(nil)

    /// Deadlines, retries and batch sizes.
    public struct Options: Sendable {
        /// Deadline of one call (index builds and loads get `indexTimeout`).
        public var timeout: Duration
        public var indexTimeout: Duration
        /// Retries after UNAVAILABLE or DEADLINE_EXCEEDED, waiting `backoff`·2^attempt seconds before each.
        public var retries: Int
        public var backoff: Double
        /// Rows per upsert request (also capped at about 8 MiB per request).
        public var batchRows: Int

        public init(timeout: Duration = .seconds(30), indexTimeout: Duration = .seconds(1800), retries: Int = 4,
                    backoff: Double = 0.25, batchRows: Int = 1000) {
            self.timeout = timeout
            self.indexTimeout = indexTimeout
            self.retries = retries
            self.backoff = backoff
            self.batchRows = batchRows
        }
    }

    enum Property {
        static let format = "localrag.format"
        static let embedder = "localrag.embedder"
        static let dimension = "localrag.dimension"
        static let labels = "localrag.labels"
        static let rows = "localrag.rows"
        static let state = "localrag.state"
        static let index = "localrag.index"
        /// Commits so far (absent before this property existed: 0).
        static let generation = "localrag.generation"
        /// The metadata columns' types (a JSON object; absent: none).
        static let metadata = "localrag.metadata"
        /// The next row number (absent before rows could be deleted: the row count).
        static let nextRow = "localrag.next_row"
    }

    enum State {
        static let building = "building"
        static let appending = "appending"
        static let committed = "committed"
    }

    /// Connects to the server and reads the collection's description (a missing collection is
    /// fine: a build creates it). Unreachable servers fail here, after the retries.
    public convenience init(connecting address: MilvusAddress, options: Options = Options()) throws {
        try self.init(connection: try MilvusConnection(address: address, options: options))
    }

    /// The collection at `address` for reading: refuses a missing collection, one LocalRAG did not
    /// make, and one whose build did not commit.
    public static func open(_ address: MilvusAddress, options: Options = Options()) throws -> MilvusStore {
        let store = try MilvusStore(connecting: address, options: options)
        try store.requireReadable()
        // A restarted server holds the collection released.
        if try store.loadState() != .loaded { try store.load() }
        return store
    }

    package init(connection: MilvusConnection) throws {
        self.connection = connection
        address = connection.address
        let hasRequest: Milvus_Proto_Milvus_HasCollectionRequest = address.request()
        let has = try connection.call("HasCollection") { service, metadata, options in
            try await service.hasCollection(request: ClientRequest(message: hasRequest, metadata: metadata), options: options)
        }
        try connection.check(has.status, "HasCollection")
        exists = has.value
        guard exists else {
            (count, dimension, embedderIdentifier, labels, state, properties) = (0, 0, "", [], "", [:])
            (keepsRowIDs, keepsMetadata, metadataSchema, nextRow) = (true, true, [:], 0)   // a collection this store creates has the fields
            return
        }
        let describeRequest: Milvus_Proto_Milvus_DescribeCollectionRequest = address.request()
        let described = try connection.call("DescribeCollection") { service, metadata, options in
            try await service.describeCollection(request: ClientRequest(message: describeRequest, metadata: metadata), options: options)
        }
        try connection.check(described.status, "DescribeCollection")
        keepsRowIDs = described.schema.fields.contains { $0.name == MilvusColumns.rowID }
        keepsMetadata = described.schema.fields.contains { $0.name == MilvusColumns.metadata }
        var properties: [String: String] = [:]
        for kv in described.properties { properties[kv.key] = kv.value }
        self.properties = properties
        embedderIdentifier = properties[Property.embedder] ?? ""
        dimension = Int(properties[Property.dimension] ?? "") ?? 0
        count = Int(properties[Property.rows] ?? "") ?? 0
        state = properties[Property.state] ?? ""
        labels = properties[Property.labels].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        metadataSchema = properties[Property.metadata].flatMap { try? JSONDecoder().decode([String: MetadataValue.Kind].self, from: Data($0.utf8)) } ?? [:]
        nextRow = Int(properties[Property.nextRow] ?? "") ?? count
    }

    /// The fields a filter can name: the metadata columns, `label`, and `id` (collections with ids).
    public var filterFields: [String: MetadataValue.Kind] {
        var fields = metadataSchema
        fields["label"] = .string
        if keepsRowIDs { fields["id"] = .string }
        return fields
    }

    /// `filter` as Milvus's boolean expression over this collection's fields.
    public func expression(for filter: FilterExpression) throws -> String {
        try MilvusExpression.translate(filter, fields: filterFields)
    }

    public var location: String { address.description }
    public var generation: Int { Int(properties[Property.generation] ?? "") ?? 0 }
    public var created: String? { nil }
    /// Vectors, texts and labels only: a trained head stays with the caller.
    public var keepsParts: Bool { false }
    /// Milvus searches with its own index: nprobe (IVF) and ef (HNSW) pass through, exact does not apply.
    public var knobs: SearchParameters.Knobs { [.nprobe, .ef] }
    public var settings: [String: String] { [:] }
    public func part(_ role: String) throws -> (file: MappedFile, name: String)? { nil }

    /// Whether LocalRAG made the collection (its properties are there).
    public var isLocalRAG: Bool { properties[Property.format] != nil }

    func requireLocalRAG() throws {
        guard exists else { throw MilvusError.noCollection(address: location) }
        guard isLocalRAG else { throw MilvusError.notLocalRAG(address: location, reason: "no \(Property.format) property") }
    }

    func requireReadable() throws {
        try requireLocalRAG()
        guard state != State.building else { throw MilvusError.buildIncomplete(address: location) }
    }

    // MARK: Searching

    /// Queries per search request.
    static let queriesPerRequest = 256

    public func nearest(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> [[ScoredDocument]] {
        var out: [[ScoredDocument]] = []
        out.reserveCapacity(queries.rows)
        var start = 0
        while start < queries.rows {
            let end = min(queries.rows, start + Self.queriesPerRequest)
            out += try search(queries, rows: start..<end, k: k, parameters: parameters)
            start = end
        }
        return out
    }

    private func search(_ queries: Matrix, rows: Range<Int>, k: Int, parameters: SearchParameters) throws -> [[ScoredDocument]] {
        var placeholder = Milvus_Proto_Common_PlaceholderValue()
        placeholder.tag = "$0"
        placeholder.type = .floatVector
        placeholder.values = rows.map { r in queries.row(r).withUnsafeBytes { Data($0) } }
        var group = Milvus_Proto_Common_PlaceholderGroup()
        group.placeholders = [placeholder]
        var request: Milvus_Proto_Milvus_SearchRequest = address.request()
        request.placeholderGroup = try group.serializedData()
        request.dslType = .boolExprV1
        if let filter = parameters.filter { request.dsl = try expression(for: filter) }
        request.nq = Int64(rows.count)
        request.outputFields = documentFields
        var params: [String: Int] = [:]
        // A filter passing a share s of the rows: probe 1/s times the lists (IVF) and keep 1/s times
        // the candidates (HNSW), as an index folder probes nprobe / s lists, so that as many
        // passing rows are reached as without a filter.
        let scale = try filterScale(parameters.filter)
        if indexType == "IVF_FLAT" {
            let nprobe = parameters.nprobe ?? Self.defaultNProbe
            let nlist = Int(properties[Property.index].flatMap { $0.split(separator: ":").last }.map { $0.filter(\.isNumber) } ?? "") ?? Int.max
            params["nprobe"] = min(nlist, Int((Double(nprobe) * scale).rounded(.up)))
        } else if let nprobe = parameters.nprobe {
            params["nprobe"] = nprobe
        }
        if indexType == "HNSW" { params["ef"] = min(max(count, k), Int((Double(max(k, parameters.ef ?? 64)) * scale).rounded(.up))) }
        request.searchParams = [
            MilvusColumns.keyValue("anns_field", MilvusColumns.embedding),
            MilvusColumns.keyValue("topk", "\(k)"),
            MilvusColumns.keyValue("metric_type", "COSINE"),
            MilvusColumns.keyValue("params", String(decoding: try JSONSerialization.data(withJSONObject: params, options: .sortedKeys), as: UTF8.self)),
        ]
        let answer = try connection.call("Search") { [request] service, metadata, options in
            try await service.search(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        try connection.check(answer.status, "Search")
        let result = answer.results
        let ids = result.ids.intID.data
        guard result.scores.count == ids.count, result.topks.count == rows.count || ids.isEmpty else {
            throw MilvusError.unexpectedAnswer(address: location, operation: "Search",
                                               detail: "\(ids.count) ids, \(result.scores.count) scores, \(result.topks.count) hit counts for \(rows.count) queries")
        }
        let documents: [Document]
        do { documents = try MilvusColumns.documents(MilvusColumns.Answer(result.fieldsData), ids: ids, schema: metadataSchema) } catch {
            throw MilvusError.unexpectedAnswer(address: location, operation: "Search", detail: "\(error)")
        }
        var at = 0
        return (0..<rows.count).map { q in
            let n = result.topks.isEmpty ? 0 : Int(result.topks[q])
            defer { at += n }
            // Best first, ties to the lower row, as the local indexes order them.
            return (at..<at + n).map { ScoredDocument(score: result.scores[$0], document: documents[$0]) }
                .sorted { ($0.score, -$0.document.row) > ($1.score, -$1.document.row) }
        }
    }

    /// The fields a row's `Document` is read from (besides the key).
    var documentFields: [String] {
        [MilvusColumns.label, MilvusColumns.text, MilvusColumns.sourceRow] + (keepsRowIDs ? [MilvusColumns.rowID] : [])
            + (keepsMetadata ? [MilvusColumns.metadata] : [])
    }

    /// Milvus's nprobe when a search names none.
    static let defaultNProbe = 8

    /// `count` over the rows `filter` passes (1 without a filter, or when none pass).
    private func filterScale(_ filter: FilterExpression?) throws -> Double {
        guard let filter, indexType != "FLAT" else { return 1 }
        let passing: Int
        if let (last, n) = lastFilterCount.withLock({ $0 }), last == filter { passing = n } else {
            passing = try count(matching: filter)
            lastFilterCount.withLock { $0 = (filter, passing) }
        }
        return passing > 0 ? max(1, Double(count) / Double(passing)) : 1
    }

    /// The index type recorded at commit (FLAT, IVF_FLAT, HNSW), "" before.
    var indexType: String { properties[Property.index].map { String($0.prefix { $0 != " " }) } ?? "" }

    // MARK: Reading rows

    /// Rows per query page when reading every vector.
    static let rowsPerPage = 2000

    public func labelledVectors() throws -> (vectors: Matrix, labels: [String?]) { try labelledVectors(where: nil) }

    public func labelledVectors(matching filter: FilterExpression) throws -> (vectors: Matrix, labels: [String?]) {
        try labelledVectors(where: try expression(for: filter))
    }

    /// The vectors and labels of the rows `expression` matches (nil: every row), in row order, read
    /// page by page over the row numbers.
    func labelledVectors(where expression: String?) throws -> (vectors: Matrix, labels: [String?]) {
        var storage: [Float] = []
        var labels: [String?] = []
        try forEachPage(where: expression, fields: [MilvusColumns.id, MilvusColumns.embedding, MilvusColumns.label]) { range, answer in
            let ids = answer.longs(MilvusColumns.id), vectors = answer.floats(MilvusColumns.embedding), rowLabels = answer.strings(MilvusColumns.label)
            guard vectors.count == ids.count * dimension, rowLabels.count == ids.count, ids.allSatisfy({ range.contains(Int($0)) }) else {
                throw MilvusError.unexpectedAnswer(address: location, operation: "Query",
                                                   detail: "rows \(range): \(ids.count) ids, \(vectors.count / max(1, dimension)) vectors, \(rowLabels.count) labels")
            }
            for i in ids.indices.sorted(by: { ids[$0] < ids[$1] }) {
                storage += vectors[i * dimension ..< (i + 1) * dimension]
                labels.append(rowLabels[i].isEmpty ? nil : rowLabels[i])
            }
        }
        return (Matrix(rows: labels.count, cols: dimension, storage: storage), labels)
    }

    /// `body` with each page of row numbers in `0 ..< nextRow` and the query answer of the rows
    /// of it that `expression` matches (nil: all of them).
    func forEachPage(where expression: String?, fields: [String], pageRows: Int = rowsPerPage,
                     _ body: (Range<Int>, MilvusColumns.Answer) throws -> Void) throws {
        var start = 0
        while start < nextRow {
            let end = min(nextRow, start + pageRows)
            let range = "id >= \(start) && id < \(end)"
            try body(start..<end, try query(expression.map { "(\(range)) and (\($0))" } ?? range, fields: fields))
            start = end
        }
    }

    /// Rows matching `expression` ("" for all), counted by the server.
    public func countRows(where expression: String = "") throws -> Int {
        let answer = try query(expression, fields: ["count(*)"])
        guard let n = answer.longs("count(*)").first else {
            throw MilvusError.unexpectedAnswer(address: location, operation: "Query count(*)", detail: "no count")
        }
        return Int(n)
    }

    /// The primary keys (row numbers) stored in `0 ..< bound`, ascending, read by key range: for checks.
    public func storedRowNumbers(below bound: Int) throws -> [Int] {
        var ids: [Int] = []
        var start = 0
        while start < bound {
            let end = min(bound, start + Self.rowsPerPage * 10)
            ids += try query("id >= \(start) && id < \(end)", fields: [MilvusColumns.id]).longs(MilvusColumns.id).map { Int($0) }
            start = end
        }
        return ids.sorted()
    }

    func query(_ expression: String, fields: [String]) throws -> MilvusColumns.Answer {
        var request: Milvus_Proto_Milvus_QueryRequest = address.request()
        request.expr = expression
        request.outputFields = fields
        request.consistencyLevel = .strong
        let answer = try connection.call("Query") { [request] service, metadata, options in
            try await service.query(request: ClientRequest(message: request, metadata: metadata), options: options)
        }
        try connection.check(answer.status, "Query")
        return MilvusColumns.Answer(answer.fieldsData)
    }
}

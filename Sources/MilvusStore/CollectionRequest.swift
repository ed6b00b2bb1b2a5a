// CollectionRequest: the Milvus requests that name one collection (all LocalRAG sends but Flush), made for an address in one place.
import MilvusProto

/// A generated request message with Milvus's `collection_name` and `db_name` fields.
protocol CollectionRequest: Sendable {
    init()
    var collectionName: String { get set }
    var dbName: String { get set }
}

extension Milvus_Proto_Milvus_CreateCollectionRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_DropCollectionRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_HasCollectionRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_LoadCollectionRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_DescribeCollectionRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_AlterCollectionRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_GetLoadStateRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_CreateIndexRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_DescribeIndexRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_UpsertRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_DeleteRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_SearchRequest: CollectionRequest {}
extension Milvus_Proto_Milvus_QueryRequest: CollectionRequest {}

extension MilvusAddress {
    /// A request naming this address's collection and database, then `configure`d.
    func request<Request: CollectionRequest>(_ configure: (inout Request) -> Void = { _ in }) -> Request {
        var request = Request()
        request.collectionName = collection
        request.dbName = database
        configure(&request)
        return request
    }
}

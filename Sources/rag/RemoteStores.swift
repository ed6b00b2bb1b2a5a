// RemoteStores: `--store milvus://…` to a remote vector store (Milvus when rag is built with the Milvus trait), and the CLI's errors about it.
import Foundation
import VectorSearch
#if Milvus
import MilvusStore
#endif

enum RemoteStores {
    /// A command that works on index folders only, given a store.
    struct Unsupported: Error, LocalizedError {
        var command: String
        var address: String
        var errorDescription: String? { "\(command) works on an index folder, not on a remote store (\(address)); pass --index DIR" }
    }

    /// This rag was built without the Milvus trait.
    struct NotBuiltIn: Error, LocalizedError {
        var address: String
        var errorDescription: String? {
            "\(address): this rag was built without Milvus support; build it with `swift build -c release --traits Milvus` (scripts/lib/build.sh does)"
        }
    }

    /// The store at `address` for reading (its build committed; loaded for search).
    static func open(_ address: String) throws -> any RemoteVectorStore {
        #if Milvus
        return try MilvusStore.open(try MilvusAddress(parsing: address))
        #else
        throw NotBuiltIn(address: address)
        #endif
    }

    /// The store at `address` for a build, which may create it.
    static func connect(_ address: String) throws -> any RemoteVectorStore {
        #if Milvus
        return try MilvusStore(connecting: try MilvusAddress(parsing: address))
        #else
        throw NotBuiltIn(address: address)
        #endif
    }
}

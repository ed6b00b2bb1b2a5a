// MilvusError: what can go wrong talking to Milvus, naming the address and the operation, in the library's words.
import Foundation

public enum MilvusError: Error, LocalizedError, Equatable {
    case badAddress(String, reason: String)
    /// No answer after the retries: the server is down, unreachable, or too slow.
    case unreachable(server: String, operation: String, detail: String)
    /// The server answered with an error status.
    case server(address: String, operation: String, code: Int, reason: String)
    /// A gRPC failure that retrying does not help (bad message, permission, …).
    case rpc(server: String, operation: String, detail: String)
    case noCollection(address: String)
    case collectionExists(address: String, rows: Int)
    case buildIncomplete(address: String)
    case notLocalRAG(address: String, reason: String)
    case textTooLong(row: Int, bytes: Int, limit: Int)
    case unexpectedAnswer(address: String, operation: String, detail: String)
    /// A collection made before rows had ids: rows cannot be replaced or deleted by id.
    case noRowIDs(address: String)

    public var errorDescription: String? {
        switch self {
        case .badAddress(let a, let r):
            return "bad Milvus address \(a): \(r)"
        case .unreachable(let s, let op, let d):
            return "Milvus at \(s) did not answer (\(op)): \(d)"
        case .server(let a, let op, let code, let r):
            return "Milvus at \(a) refused \(op): \(r) (code \(code))"
        case .rpc(let s, let op, let d):
            return "Milvus at \(s) failed \(op): \(d)"
        case .noCollection(let a):
            return "no collection at \(a)"
        case .collectionExists(let a, let n):
            return "the collection at \(a) already exists (\(n) rows)"
        case .buildIncomplete(let a):
            return "the collection at \(a) is from a build that did not finish"
        case .notLocalRAG(let a, let r):
            return "the collection at \(a) was not made by LocalRAG (\(r))"
        case .textTooLong(let row, let b, let l):
            return "row \(row)'s text is \(b) bytes of UTF-8; a Milvus VarChar holds at most \(l)"
        case .unexpectedAnswer(let a, let op, let d):
            return "Milvus at \(a) gave an unexpected answer to \(op): \(d)"
        case .noRowIDs(let a):
            return "the collection at \(a) was made before rows had ids (no row_id field), so rows cannot be replaced or deleted by id; "
                + "rebuild it into a new collection (rag index build --csv FILE --store milvus://HOST:PORT/NEW)"
        }
    }
}

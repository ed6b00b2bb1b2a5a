// MilvusAddress: where a Milvus collection lives, parsed from milvus://HOST:PORT/COLLECTION[?tls=true&db=NAME] with its token from the environment.
public import Foundation

/// A Milvus server (a cluster's proxy or Milvus Lite) and one collection in it. The token for a
/// server with authentication (`user:password` or an API key) comes from an environment variable,
/// never from the address, so it stays out of shell history and process lists.
public struct MilvusAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var collection: String
    /// The database the collection is in ("" is the server's default).
    public var database: String
    /// Connect over TLS (system trust roots) instead of plaintext.
    public var tls: Bool
    /// Sent as the `authorization` header (base64 of the token), as Milvus's own SDKs do.
    public var token: String?

    public static let defaultPort = 19530
    /// The environment variable the token is read from unless another is named.
    public static let tokenVariable = "LOCALRAG_MILVUS_TOKEN"

    public init(host: String, port: Int = defaultPort, collection: String, database: String = "", tls: Bool = false, token: String? = nil) {
        self.host = host
        self.port = port
        self.collection = collection
        self.database = database
        self.tls = tls
        self.token = token
    }

    /// Parses `milvus://HOST[:PORT]/COLLECTION[?tls=true&db=NAME]` (port 19530 when left out); the
    /// token is `environment[tokenVariable]` when set and not empty.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                tokenVariable: String = MilvusAddress.tokenVariable) throws {
        guard text.hasPrefix("milvus://"), let url = URLComponents(string: text) else {
            throw MilvusError.badAddress(text, reason: "expected milvus://HOST:PORT/COLLECTION")
        }
        guard let host = url.host, !host.isEmpty else { throw MilvusError.badAddress(text, reason: "no host") }
        let collection = String(url.path.drop { $0 == "/" })
        guard !collection.isEmpty else { throw MilvusError.badAddress(text, reason: "no collection after the host (…/COLLECTION)") }
        guard Self.isValidName(collection) else {
            throw MilvusError.badAddress(text, reason: "collection name \"\(collection)\" must start with a letter or _ and hold only letters, digits and _ (at most 255)")
        }
        var tls = false, database = ""
        for item in url.queryItems ?? [] {
            switch item.name {
            case "tls":
                guard let v = item.value, ["true", "false", "1", "0"].contains(v) else {
                    throw MilvusError.badAddress(text, reason: "tls must be true or false")
                }
                tls = v == "true" || v == "1"
            case "db":
                database = item.value ?? ""
            default:
                throw MilvusError.badAddress(text, reason: "unknown parameter \(item.name) (known: tls, db)")
            }
        }
        let token = environment[tokenVariable].flatMap { $0.isEmpty ? nil : $0 }
        self.init(host: host, port: url.port ?? Self.defaultPort, collection: collection, database: database, tls: tls, token: token)
    }

    /// The address as given, without the token: `milvus://host:port/collection`.
    public var description: String {
        var query: [String] = []
        if tls { query.append("tls=true") }
        if !database.isEmpty { query.append("db=\(database)") }
        return "milvus://\(host):\(port)/\(collection)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// The server part, `host:port`.
    public var server: String { "\(host):\(port)" }

    static func isValidName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.unicodeScalars.count <= 255,
              first == "_" || (first.isASCII && CharacterSet.letters.contains(first)) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }
    }
}

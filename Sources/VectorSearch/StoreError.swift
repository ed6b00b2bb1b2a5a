// StoreError: everything that can be wrong with an index folder, in the library's words (the CLI adds what to run).
import Foundation

public enum StoreError: Error, LocalizedError, Equatable {
    case missingIndex(path: String)
    case notAnIndex(path: String)
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case badManifest(path: String, reason: String)
    case unsupportedVersion(found: Int, supported: Int)
    case sizeMismatch(file: String, expected: Int, actual: Int)
    case checksumMismatch(file: String)
    case missingFile(file: String)
    case embedderMismatch(index: String, current: String)
    case dimensionMismatch(index: Int, current: Int)
    case corrupt(file: String, reason: String)
    case kindMissing(kind: String)
    case emptyInput

    public var errorDescription: String? {
        switch self {
        case .missingIndex(let p):
            return "no index at \(p)"
        case .notAnIndex(let p):
            return "\(p) exists and is not a LocalRAG index (no manifest.json)"
        case .unreadable(let p, let r):
            return "cannot read \(p): \(r)"
        case .unwritable(let p, let r):
            return "cannot write \(p): \(r)"
        case .badManifest(let p, let r):
            return "index manifest \(p) is damaged (\(r))"
        case .unsupportedVersion(let found, let supported):
            return "index format version \(found) is not supported (this rag reads version \(supported))"
        case .sizeMismatch(let f, let e, let a):
            return "index file \(f) has \(a) bytes, the manifest says \(e) (truncated or replaced)"
        case .checksumMismatch(let f):
            return "index file \(f) does not match its checksum (damaged on disk)"
        case .missingFile(let f):
            return "index file \(f) is missing"
        case .embedderMismatch(let i, let c):
            return "the index was built with embedder \(i) but the current embedder is \(c)"
        case .dimensionMismatch(let i, let c):
            return "the index holds \(i)-dimensional vectors but the embedder makes \(c)"
        case .corrupt(let f, let r):
            return "index file \(f) is damaged: \(r)"
        case .kindMissing(let k):
            return k == "head" ? "the index has no trained head" : "the index has no \(k) part"
        case .emptyInput:
            return "no rows to index"
        }
    }
}

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
    case duplicateID(id: String, row: Int)
    case rowsWithoutIDs(path: String)
    case unsupported(operation: String, store: String)
    case changedSinceOpened(path: String)
    case metadataType(column: String, stored: String, given: String)

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
            return "index format version \(found) is not supported (this rag reads versions 1 to \(supported))"
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
        case .duplicateID(let id, let row):
            return "id \"\(id)\" is already in the index (row \(row))"
        case .rowsWithoutIDs(let p):
            return "\(p) was written by an earlier LocalRAG (format 1: rows without ids), so rows cannot be added, replaced or deleted"
        case .metadataType(let c, let stored, let given):
            return "metadata column \"\(c)\" holds \(stored) values in the index; these rows give it \(given) values"
        case .changedSinceOpened(let p):
            return "\(p) was changed by another writer since it was opened; open it again and retry"
        case .unsupported(let op, let store):
            return "\(store) does not support \(op) yet"
        }
    }
}

// StoreError: everything a user can get wrong about an index folder, each saying what to re-run.
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

    static let rebuild = "rebuild it with `rag index build --csv FILE`"

    public var errorDescription: String? {
        switch self {
        case .missingIndex(let p):
            return "no index at \(p): build one with `rag index build --csv FILE` (or pass --index DIR)"
        case .notAnIndex(let p):
            return "\(p) exists and is not a LocalRAG index (no manifest.json); choose another --index folder or remove it"
        case .unreadable(let p, let r):
            return "cannot read \(p): \(r)"
        case .unwritable(let p, let r):
            return "cannot write \(p): \(r)"
        case .badManifest(let p, let r):
            return "index manifest \(p) is damaged (\(r)); \(Self.rebuild)"
        case .unsupportedVersion(let found, let supported):
            return "index format version \(found) is not supported (this rag reads version \(supported)); \(Self.rebuild)"
        case .sizeMismatch(let f, let e, let a):
            return "index file \(f) has \(a) bytes, the manifest says \(e) (truncated or replaced); \(Self.rebuild)"
        case .checksumMismatch(let f):
            return "index file \(f) does not match its checksum (damaged on disk); \(Self.rebuild)"
        case .missingFile(let f):
            return "index file \(f) is missing; \(Self.rebuild)"
        case .embedderMismatch(let i, let c):
            return "the index was built with embedder \(i) but the current embedder is \(c); rebuild with `rag index build` or pass the same --embedder/--model-dir"
        case .dimensionMismatch(let i, let c):
            return "the index holds \(i)-dimensional vectors but the embedder makes \(c); rebuild with `rag index build`"
        case .corrupt(let f, let r):
            return "index file \(f) is damaged: \(r); \(Self.rebuild)"
        case .kindMissing(let k):
            return k == "head"
                ? "the index has no trained head; run `rag finetune local`"
                : "the index has no \(k) part; build it with `rag index build --kind \(k)`"
        case .emptyInput:
            return "no rows to index"
        }
    }
}

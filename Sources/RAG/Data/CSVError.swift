// CSVError: what can be wrong with an input CSV, with the file and line it was found on.
import Foundation

public enum CSVError: Error, LocalizedError, Equatable {
    case unreadable(file: String, reason: String)
    case unwritable(file: String, reason: String)
    case empty(file: String)
    case noRows(file: String)
    case missingColumn(file: String, column: String, available: [String])
    case duplicateColumn(file: String, column: String)
    case malformedRow(file: String, line: Int, reason: String)
    case invalidUTF8(file: String, line: Int)
    case emptyField(file: String, line: Int, column: String)
    case duplicateID(file: String, line: Int, id: String, firstLine: Int)
    case badValue(file: String, line: Int, column: String, value: String, type: String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let f, let r):
            return "\(f): cannot read: \(r)"
        case .unwritable(let f, let r):
            return "\(f): cannot write: \(r)"
        case .empty(let f):
            return "\(f): the file is empty (expected a header row such as `text,label_text`)"
        case .noRows(let f):
            return "\(f): the header is there but no data rows follow"
        case .missingColumn(let f, let c, let available):
            return "\(f):1: no column named \"\(c)\" (columns: \(available.map { "\"\($0)\"" }.joined(separator: ", ")))"
        case .duplicateColumn(let f, let c):
            return "\(f):1: the header names column \"\(c)\" twice"
        case .malformedRow(let f, let line, let reason):
            return "\(f):\(line): \(reason)"
        case .invalidUTF8(let f, let line):
            return "\(f):\(line): the row is not valid UTF-8 (save the file as UTF-8)"
        case .emptyField(let f, let line, let c):
            return "\(f):\(line): the \"\(c)\" field is empty"
        case .badValue(let f, let line, let c, let v, let t):
            let shown = v.count > 40 ? String(v.prefix(40)) + "…" : v
            return "\(f):\(line): the \"\(c)\" field \"\(shown)\" is not \(t == "integer" ? "an" : "a") \(t)"
        case .duplicateID(let f, let line, let id, let first):
            return "\(f):\(line): id \"\(id)\" appears again (first on line \(first)); ids must be unique"
        }
    }
}

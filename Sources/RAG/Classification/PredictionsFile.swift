// PredictionsFile: reads a predictions JSONL file back, reporting a truncated last line instead of failing on it.
import Foundation

public enum PredictionsFile {
    /// What was read: the predictions and the problems skipped (a truncated last line).
    public struct Contents: Sendable {
        public var predictions: [Prediction]
        public var warnings: [String]
    }

    public enum ReadError: Error, LocalizedError, Equatable {
        case unreadable(file: String, reason: String)
        case badLine(file: String, line: Int, reason: String)
        case empty(file: String)

        public var errorDescription: String? {
            switch self {
            case .unreadable(let f, let r): return "cannot read \(f): \(r)"
            case .badLine(let f, let l, let r): return "\(f):\(l): \(r)"
            case .empty(let f): return "\(f): no predictions in the file"
            }
        }
    }

    /// Parses every line. A malformed final line without a newline is what an interrupted writer
    /// leaves: it is skipped with a warning. Any other malformed line is an error naming it.
    public static func read(_ url: URL) throws -> Contents {
        let file = url.relativePath
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ReadError.unreadable(file: file, reason: error.localizedDescription)
        }
        let endsWithNewline = data.last == 0x0A
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        var predictions: [Prediction] = []
        var warnings: [String] = []
        let decoder = JSONDecoder()
        for (i, line) in lines.enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            do {
                predictions.append(try decoder.decode(Prediction.self, from: Data(line)))
            } catch {
                let isLast = i == lines.count - 1 && !endsWithNewline
                if isLast {
                    warnings.append("\(file):\(i + 1): the last line is incomplete (an interrupted run?); it was skipped")
                } else {
                    throw ReadError.badLine(file: file, line: i + 1, reason: "not a prediction object (\(Self.describe(error)))")
                }
            }
        }
        guard !predictions.isEmpty else { throw ReadError.empty(file: file) }
        return Contents(predictions: predictions, warnings: warnings)
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let ctx): return "wrong type for \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\""
        case DecodingError.dataCorrupted: return "invalid JSON"
        default: return "\(error)"
        }
    }
}

// PredictionJournal: the predictions file of an LLM batch, appended and flushed row by row, and read back by `--resume`.
import Foundation
public import RAG

/// Rows finish out of order, so each line carries its `row` and the file is read back by row.
/// Every line is one write(2) followed by fsync, so a kill -9 loses at most the line being
/// written, which then lacks its newline and is dropped (and redone) on resume.
public final class PredictionJournal {
    /// Where the lines go.
    public enum Destination: Sendable, Equatable {
        case file(String)
        case standardOutput
        /// Nowhere: the caller keeps the predictions `LLMBatch` returns (rag compare without --predictions).
        case discard
    }

    public let destination: Destination
    public var path: String? { if case .file(let p) = destination { return p } else { return nil } }
    /// Rows already answered (resume only): these are not sent again.
    public private(set) var done: [Int: Prediction] = [:]
    /// What resume dropped and why (a cut-off last line, failed rows to redo, duplicates).
    public private(set) var notes: [String] = []
    private let handle: FileHandle?
    private let encoder: JSONEncoder

    /// - Parameters:
    ///   - destination: a file (resumable), stdout or nowhere.
    ///   - resume: keep the rows already in the file instead of starting it afresh.
    ///   - rows: the input rows, to check a resumed file belongs to them.
    public init(_ destination: Destination, resume: Bool = false, rows: [LabelledText] = []) throws {
        self.destination = destination
        encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let path: String
        switch destination {
        case .standardOutput: handle = FileHandle.standardOutput; return
        case .discard: handle = nil; return
        case .file(let p): path = p
        }
        let url = URL(fileURLWithPath: path)
        if resume, FileManager.default.fileExists(atPath: path) {
            let keep = try Self.load(url, rows: rows, done: &done, notes: &notes)
            if let keep {
                // Something was dropped: rewrite the file with the kept lines, atomically.
                let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).resume")
                try keep.write(to: tmp)
                guard rename(tmp.path, url.path) == 0 else {
                    throw LLMError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
                }
            }
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw LLMError.unreadableFile(path: path, reason: "cannot create the file")
            }
        }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw LLMError.unreadableFile(path: path, reason: "cannot open it for writing")
        }
        handle = h
        try h.seekToEnd()
    }

    /// Appends one line and makes it durable before returning.
    public func append(_ prediction: Prediction) throws {
        guard let handle else { return }
        var line = try encoder.encode(prediction)
        line.append(0x0A)
        try handle.write(contentsOf: line)
        if path != nil { try handle.synchronize() }
    }

    public func close() {
        if path != nil { try? handle?.close() }
    }

    /// Reads `url` into `done`. Returns the bytes to keep when some lines must go, nil when the
    /// file can be appended to as it is.
    static func load(_ url: URL, rows: [LabelledText], done: inout [Int: Prediction], notes: inout [String]) throws -> Data? {
        let file = url.relativePath
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw LLMError.unreadableFile(path: file, reason: error.localizedDescription)
        }
        let byRow = Dictionary(rows.map { ($0.row, $0) }, uniquingKeysWith: { a, _ in a })
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        let endsWithNewline = data.last == 0x0A
        var keep = Data()
        var dropped = false
        let decoder = JSONDecoder()
        for (i, line) in lines.enumerated() {
            let isLast = i == lines.count - 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
                if !line.isEmpty { dropped = true }
                continue
            }
            guard let p = try? decoder.decode(Prediction.self, from: Data(line)) else {
                if isLast && !endsWithNewline {
                    notes.append("\(file):\(i + 1): the last line was cut off (an interrupted run); its row is redone")
                    dropped = true
                    continue
                }
                throw LLMError.resumeMismatch(file: file, line: i + 1, reason: "not a prediction line; remove it or start afresh")
            }
            if let input = byRow[p.row], input.text != p.text {
                throw LLMError.resumeMismatch(file: file, line: i + 1,
                                              reason: "row \(p.row) has a different text than the CSV's row \(p.row); the file is from another input")
            }
            if p.error != nil {
                notes.append("row \(p.row) failed last time; it is retried")
                dropped = true
                continue
            }
            if done[p.row] != nil {
                notes.append("\(file):\(i + 1): row \(p.row) appears twice; the first is kept")
                dropped = true
                continue
            }
            if isLast && !endsWithNewline {
                // A whole object without its newline: keep it, and give it the newline back.
                dropped = true
            }
            done[p.row] = p
            keep.append(contentsOf: line)
            keep.append(0x0A)
        }
        return dropped ? keep : nil
    }
}

// Dataset: reads the text and label columns of a CSV, streamed in batches or all at once.
public import Foundation
import VectorSearch

/// A CSV file with a text column and an optional label column, chosen by name.
public struct Dataset: Sendable {
    public var url: URL
    public var textColumn: String
    /// nil: labels are not read. Otherwise the column must exist.
    public var labelColumn: String?
    /// When true, an empty label is an error (training data); when false it reads as nil.
    public var requireLabels: Bool
    /// The column holding each row's id (non-empty, unique in the file); nil: ids are derived
    /// from the file's name and the row (`derivedID(row:)`).
    public var idColumn: String?
    /// Columns kept as typed metadata with each row (`LabelledText.metadata`).
    public var metadataColumns: [MetadataColumn]

    public init(url: URL, textColumn: String = "text", labelColumn: String? = "label_text", requireLabels: Bool = false,
                idColumn: String? = nil, metadataColumns: [MetadataColumn] = []) {
        self.url = url
        self.textColumn = textColumn
        self.labelColumn = labelColumn
        self.requireLabels = requireLabels
        self.idColumn = idColumn
        self.metadataColumns = metadataColumns
    }

    /// The id of data row `row` (0-based, as pandas numbers them) of a file read without an id
    /// column: `<file name>:<row>`, the same on every run over the same file.
    public func derivedID(row: Int) -> String { "\(url.lastPathComponent):\(row)" }

    /// The file's path as the user gave it, for messages.
    public var displayPath: String { url.relativePath }

    /// Calls `body` with consecutive batches of at most `batchSize` rows, in file order.
    /// Errors name the file and line; a file with a header and no rows is an error.
    public func forEachBatch(_ batchSize: Int, _ body: ([LabelledText]) throws -> Void) throws {
        let file = displayPath
        let reader: CSVReader
        do { reader = try CSVReader(url: url) } catch CSVError.unreadable(_, let reason) {
            throw CSVError.unreadable(file: file, reason: reason)
        }
        guard let header = try wrap({ try reader.nextNonBlank() }) else { throw CSVError.empty(file: file) }
        var seen = Set<String>()
        for name in header.fields where !seen.insert(name).inserted {
            throw CSVError.duplicateColumn(file: file, column: name)
        }
        guard let textIndex = header.fields.firstIndex(of: textColumn) else {
            throw CSVError.missingColumn(file: file, column: textColumn, available: header.fields)
        }
        var labelIndex: Int?
        if let labelColumn {
            guard let i = header.fields.firstIndex(of: labelColumn) else {
                throw CSVError.missingColumn(file: file, column: labelColumn, available: header.fields)
            }
            labelIndex = i
        }
        var idIndex: Int?
        if let idColumn {
            guard let i = header.fields.firstIndex(of: idColumn) else {
                throw CSVError.missingColumn(file: file, column: idColumn, available: header.fields)
            }
            idIndex = i
        }
        var idLines: [String: Int] = [:]
        var metadata: [(name: String, index: Int, kind: MetadataValue.Kind)] = []
        if !metadataColumns.isEmpty {
            let kinds = try metadataKinds(header: header.fields)
            for column in metadataColumns { metadata.append((column.name, header.fields.firstIndex(of: column.name)!, kinds[column.name]!)) }
        }
        var batch: [LabelledText] = []
        batch.reserveCapacity(batchSize)
        var row = 0
        while let record = try wrap({ try reader.nextNonBlank() }) {
            guard record.fields.count == header.fields.count else {
                throw CSVError.malformedRow(file: file, line: record.line,
                                            reason: "\(record.fields.count) fields, the header has \(header.fields.count)")
            }
            let text = record.fields[textIndex]
            if text.allSatisfy(\.isWhitespace) {
                throw CSVError.emptyField(file: file, line: record.line, column: textColumn)
            }
            var label: String?
            if let labelIndex, let labelColumn {
                let l = record.fields[labelIndex]
                if l.isEmpty {
                    if requireLabels { throw CSVError.emptyField(file: file, line: record.line, column: labelColumn) }
                } else {
                    label = l
                }
            }
            let id: String
            if let idIndex, let idColumn {
                id = record.fields[idIndex]
                if id.isEmpty { throw CSVError.emptyField(file: file, line: record.line, column: idColumn) }
                if let first = idLines.updateValue(record.line, forKey: id) {
                    throw CSVError.duplicateID(file: file, line: record.line, id: id, firstLine: first)
                }
            } else {
                id = derivedID(row: row)
            }
            var values: [String: MetadataValue] = [:]
            for m in metadata where !record.fields[m.index].isEmpty {
                guard let v = MetadataValue(parsing: record.fields[m.index], as: m.kind) else {
                    throw CSVError.badValue(file: file, line: record.line, column: m.name, value: record.fields[m.index], type: m.kind.rawValue)
                }
                values[m.name] = v
            }
            batch.append(LabelledText(row: row, line: record.line, text: text, label: label, id: id, metadata: values))
            row += 1
            if batch.count == batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if row == 0 { throw CSVError.noRows(file: file) }
        if !batch.isEmpty { try body(batch) }
    }

    /// Each metadata column's type: declared, or the narrowest that reads all its non-empty values
    /// (one pass over the file before the rows are read).
    private func metadataKinds(header: [String]) throws -> [String: MetadataValue.Kind] {
        var kinds: [String: MetadataValue.Kind] = [:]
        var undeclared: [(String, Int)] = []
        for column in metadataColumns {
            guard let i = header.firstIndex(of: column.name) else {
                throw CSVError.missingColumn(file: displayPath, column: column.name, available: header)
            }
            if let k = column.kind { kinds[column.name] = k } else { undeclared.append((column.name, i)) }
        }
        guard !undeclared.isEmpty else { return kinds }
        var candidates = [Set<MetadataValue.Kind>](repeating: [.boolean, .integer, .float], count: undeclared.count)
        let reader = try CSVReader(url: url)
        _ = try wrap { try reader.nextNonBlank() }
        while let record = try wrap({ try reader.nextNonBlank() }) {
            guard record.fields.count == header.count else { break }   // the main pass reports it with its line
            for (c, (_, i)) in undeclared.enumerated() where !candidates[c].isEmpty && !record.fields[i].isEmpty {
                for k in candidates[c] where MetadataValue(parsing: record.fields[i], as: k) == nil { candidates[c].remove(k) }
            }
        }
        for (c, (name, _)) in undeclared.enumerated() {
            kinds[name] = [MetadataValue.Kind.boolean, .integer, .float].first(where: candidates[c].contains) ?? .string
        }
        return kinds
    }

    /// Every row at once (test sets, training sets of modest size).
    public func readAll() throws -> [LabelledText] {
        var all: [LabelledText] = []
        try forEachBatch(4096) { all.append(contentsOf: $0) }
        return all
    }

    /// Re-labels the reader's errors with the path as the user typed it.
    private func wrap<T>(_ f: () throws -> T) throws -> T {
        do { return try f() } catch let e as CSVError {
            switch e {
            case .malformedRow(_, let line, let reason): throw CSVError.malformedRow(file: displayPath, line: line, reason: reason)
            case .invalidUTF8(_, let line): throw CSVError.invalidUTF8(file: displayPath, line: line)
            case .unreadable(_, let r): throw CSVError.unreadable(file: displayPath, reason: r)
            default: throw e
            }
        }
    }
}

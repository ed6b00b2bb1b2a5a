// SegmentMetadata: one segment's metadata columns (meta.<gen>.json), typed by the manifest's schema, read by row.
import Foundation

/// `meta.<gen>.json` (role `meta@<segment>`): `{"columns": {"name": [value or null, ...]}}`, one
/// array per column, one entry per row of the segment, each a JSON string, number or boolean of
/// the column's type in the manifest's `metadata` schema (a column the segment lacks is all null).
final class SegmentMetadata: Sendable {
    enum Column: Sendable {
        case strings([String?]), integers([Int64?]), floats([Double?]), booleans([Bool?])

        subscript(row: Int) -> MetadataValue? {
            switch self {
            case .strings(let v): return v[row].map(MetadataValue.string)
            case .integers(let v): return v[row].map(MetadataValue.integer)
            case .floats(let v): return v[row].map(MetadataValue.float)
            case .booleans(let v): return v[row].map(MetadataValue.boolean)
            }
        }
    }

    let columns: [String: Column]

    /// Reads `file` for a segment of `rows` rows; every value must have its column's type in `schema`.
    init(file: MappedFile, name: String, rows: Int, schema: [String: MetadataValue.Kind]) throws {
        func corrupt(_ reason: String) -> StoreError { .corrupt(file: name, reason: reason) }
        struct File: Decodable { var columns: [String: [MetadataValue?]] }
        guard let decoded = try? JSONDecoder().decode(File.self, from: Data(bytes: file.bytes, count: file.size)) else {
            throw corrupt("not a metadata file ({\"columns\": {\"name\": [values]}})")
        }
        var out: [String: Column] = [:]
        for (column, values) in decoded.columns {
            guard let kind = schema[column] else { throw corrupt("column \"\(column)\" is not in the manifest's metadata") }
            guard values.count == rows else { throw corrupt("column \"\(column)\" does not have \(rows) values") }
            func typed<T>(_ read: (MetadataValue) -> T?) throws -> [T?] {
                try values.map { v in
                    guard let v else { return nil }
                    guard let t = read(v) else { throw corrupt("column \"\(column)\" holds a value that is not \(kind.rawValue)") }
                    return t
                }
            }
            switch kind {
            case .string: out[column] = .strings(try typed { if case .string(let s) = $0 { s } else { nil } })
            case .integer: out[column] = .integers(try typed { if case .integer(let i) = $0 { i } else { nil } })
            case .float: out[column] = .floats(try typed {
                switch $0 { case .float(let d): d; case .integer(let i): Double(i); default: nil }
            })
            case .boolean: out[column] = .booleans(try typed { if case .boolean(let b) = $0 { b } else { nil } })
            }
        }
        self.columns = out
    }

    func value(_ column: String, row: Int) -> MetadataValue? { columns[column]?[row] }

    /// Row `row`'s values (columns without one left out).
    func values(row: Int) -> [String: MetadataValue] {
        var out: [String: MetadataValue] = [:]
        for (name, column) in columns { if let v = column[row] { out[name] = v } }
        return out
    }

    /// The file's bytes for `values` (`[column: [value or nil]]`, each of `rows` entries).
    static func encode(_ values: [String: [MetadataValue?]]) throws -> [UInt8] {
        struct File: Encodable { var columns: [String: [MetadataValue?]] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(File(columns: values)))
    }
}

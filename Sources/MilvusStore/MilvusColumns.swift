// MilvusColumns: LocalRAG's rows as Milvus's columnar FieldData and back (id, embedding, label, text, source_row, row_id, metadata).
import Foundation
import LinearAlgebra
import MilvusProto
import VectorSearch

/// The collection's fields and the conversions between rows and columns. A row's `Document.row`
/// is its primary key `id`, its `Document.id` the VarChar `row_id` (collections made before row
/// ids lack the field: their rows read back without ids); an unlabelled row stores the label "";
/// the metadata values are one JSON object per row (a missing value is a missing key; collections
/// made before metadata lack the field).
enum MilvusColumns {
    static let id = "id"
    static let embedding = "embedding"
    static let label = "label"
    static let text = "text"
    static let sourceRow = "source_row"
    static let rowID = "row_id"
    static let metadata = "metadata"
    static let maxRowIDBytes = 1_024
    /// Milvus's largest VarChar.
    static let maxTextBytes = 65_535
    static let maxLabelBytes = 1_024

    /// The schema LocalRAG creates: `dimension`-float COSINE vectors keyed by row number.
    static func schema(name: String, dimension: Int) -> Milvus_Proto_Schema_CollectionSchema {
        func field(_ name: String, _ type: Milvus_Proto_Schema_DataType, _ params: [(String, String)] = [], primary: Bool = false) -> Milvus_Proto_Schema_FieldSchema {
            var f = Milvus_Proto_Schema_FieldSchema()
            f.name = name
            f.dataType = type
            f.isPrimaryKey = primary
            f.typeParams = params.map { keyValue($0.0, $0.1) }
            return f
        }
        var schema = Milvus_Proto_Schema_CollectionSchema()
        schema.name = name
        schema.description_p = "LocalRAG rows: id = row number, embedding, label, text, source_row, row_id, metadata"
        schema.fields = [
            field(id, .int64, primary: true),
            field(embedding, .floatVector, [("dim", "\(dimension)")]),
            field(label, .varChar, [("max_length", "\(maxLabelBytes)")]),
            field(text, .varChar, [("max_length", "\(maxTextBytes)")]),
            field(sourceRow, .int64),
            field(rowID, .varChar, [("max_length", "\(maxRowIDBytes)")]),
            field(metadata, .json),
        ]
        return schema
    }

    static func keyValue(_ key: String, _ value: String) -> Milvus_Proto_Common_KeyValuePair {
        var kv = Milvus_Proto_Common_KeyValuePair()
        kv.key = key
        kv.value = value
        return kv
    }

    /// The columns of `documents` (rows `rows` of `vectors`): five, `row_id` and `metadata` when the collection has them.
    static func fields(_ vectors: Matrix, rows: Range<Int>, documents: ArraySlice<Document>, rowIDs: Bool,
                       metadata withMetadata: Bool) throws -> [Milvus_Proto_Schema_FieldData] {
        for d in documents {
            let bytes = d.text.utf8.count
            guard bytes <= maxTextBytes else { throw MilvusError.textTooLong(row: d.sourceRow, bytes: bytes, limit: maxTextBytes) }
        }
        var vector = Milvus_Proto_Schema_FieldData()
        vector.type = .floatVector
        vector.fieldName = embedding
        vector.vectors.dim = Int64(vectors.cols)
        vector.vectors.floatVector.data = Array(vectors.storage[rows.lowerBound * vectors.cols ..< rows.upperBound * vectors.cols])
        let columns = [longs(id, documents.map { Int64($0.row) }), vector,
                       strings(label, documents.map { $0.label ?? "" }), strings(text, documents.map(\.text)),
                       longs(sourceRow, documents.map { Int64($0.sourceRow) })]
        var all = rowIDs ? columns + [strings(rowID, documents.map { $0.id ?? "" })] : columns
        if withMetadata {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var f = Milvus_Proto_Schema_FieldData()
            f.type = .json
            f.fieldName = metadata
            f.scalars.jsonData.data = try documents.map { try encoder.encode($0.metadata) }
            all.append(f)
        }
        return all
    }

    static func longs(_ name: String, _ values: [Int64]) -> Milvus_Proto_Schema_FieldData {
        var f = Milvus_Proto_Schema_FieldData()
        f.type = .int64
        f.fieldName = name
        f.scalars.longData.data = values
        return f
    }

    static func strings(_ name: String, _ values: [String]) -> Milvus_Proto_Schema_FieldData {
        var f = Milvus_Proto_Schema_FieldData()
        f.type = .varChar
        f.fieldName = name
        f.scalars.stringData.data = values
        return f
    }

    /// The columns of a query or search answer by field name.
    struct Answer {
        var columns: [String: Milvus_Proto_Schema_FieldData] = [:]

        init(_ fields: [Milvus_Proto_Schema_FieldData]) {
            for f in fields { columns[f.fieldName] = f }
        }

        func longs(_ name: String) -> [Int64] { columns[name]?.scalars.longData.data ?? [] }
        func strings(_ name: String) -> [String] { columns[name]?.scalars.stringData.data ?? [] }
        func floats(_ name: String) -> [Float] { columns[name]?.vectors.floatVector.data ?? [] }
        func jsons(_ name: String) -> [Data] { columns[name]?.scalars.jsonData.data ?? [] }
    }

    /// The documents of `count` rows of an answer holding label, text and source_row (and row_id
    /// and metadata when asked for), keyed by `ids`; metadata values take their column's type in `schema`.
    static func documents(_ answer: Answer, ids: [Int64], schema: [String: MetadataValue.Kind] = [:]) throws -> [Document] {
        let labels = answer.strings(label), texts = answer.strings(text), sources = answer.longs(sourceRow)
        guard labels.count == ids.count, texts.count == ids.count, sources.count == ids.count else {
            throw ColumnError.lengths(ids: ids.count, labels: labels.count, texts: texts.count, sources: sources.count)
        }
        let rowIDs = answer.strings(rowID), metadata = answer.jsons(self.metadata)
        let decoder = JSONDecoder()
        return try ids.indices.map { i in
            var values: [String: MetadataValue] = [:]
            if i < metadata.count {
                for (column, value) in try decoder.decode([String: MetadataValue].self, from: metadata[i]) {
                    // JSON writes 2.0 as 2: a float column's value reads back as a float.
                    if schema[column] == .float, case .integer(let n) = value { values[column] = .float(Double(n)) } else { values[column] = value }
                }
            }
            return Document(row: Int(ids[i]), sourceRow: Int(sources[i]), text: texts[i], label: labels[i].isEmpty ? nil : labels[i],
                            id: i < rowIDs.count && !rowIDs[i].isEmpty ? rowIDs[i] : nil, metadata: values)
        }
    }

    enum ColumnError: Error, CustomStringConvertible {
        case lengths(ids: Int, labels: Int, texts: Int, sources: Int)

        var description: String {
            switch self {
            case .lengths(let i, let l, let t, let s): return "columns of unequal length (\(i) ids, \(l) labels, \(t) texts, \(s) source rows)"
            }
        }
    }
}

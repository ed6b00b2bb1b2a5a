// MilvusStore+Checks: `rag index verify` and `rag index info` for a Milvus collection: row count, keys, index, embedder.
public import VectorSearch
import Foundation
import MilvusProto

extension MilvusStore {
    /// Checks, one line each: the build committed; the schema is LocalRAG's at the recorded
    /// dimension; the server holds exactly the recorded number of rows, their keys below the next
    /// row number and their ids each once; the vector index is built over every row.
    public func verify() throws -> [IndexStore.FileCheck] {
        try requireLocalRAG()
        var checks: [IndexStore.FileCheck] = []
        func add(_ role: String, _ name: String, _ problem: String?) {
            checks.append(IndexStore.FileCheck(role: role, name: name, ok: problem == nil, problem: problem))
        }
        add("state", "build state \(state)", state == State.committed ? nil : "the build did not commit (state \(state.isEmpty ? "missing" : state))")
        add("embedder", "embedder \(embedderIdentifier) (\(dimension) dimensions)",
            embedderIdentifier.isEmpty || dimension <= 0 ? "no embedder or dimension recorded" : nil)
        let stored = try countRows()
        add("rows", "\(stored) rows stored", stored == count ? nil : "\(stored) rows stored, \(count) recorded")
        // Primary keys are unique: every stored key is below the next row number.
        let inside = try storedRowNumbers(below: nextRow).count
        let outside = stored - inside
        add("keys", nextRow == count ? "row numbers 0..<\(count), each once" : "row numbers below \(nextRow) (\(nextRow - count) deleted), each once",
            outside == 0 ? nil : "\(outside) rows outside 0..<\(nextRow)")
        if keepsRowIDs {
            var seen: Set<String> = [], twice: [String] = []
            try forEachPage(where: nil, fields: [MilvusColumns.rowID], pageRows: Self.rowsPerPage * 10) { _, answer in
                for id in answer.strings(MilvusColumns.rowID) where !id.isEmpty && !seen.insert(id).inserted { twice.append(id) }
            }
            add("ids", "row ids, each once", twice.isEmpty ? nil : "\(twice.count) ids stored twice (e.g. \"\(twice[0])\"; an interrupted upsert: upsert them again)")
        }
        if let index = try describeIndex() {
            let type = index.params.first { $0.key == "index_type" }?.value ?? indexType
            let built = index.state == .finished && (index.totalRows == 0 || index.indexedRows == index.totalRows)
            add("index", "index \(type) on \(index.fieldName)", built ? nil : "index state \(index.state), \(index.indexedRows) of \(index.totalRows) rows indexed")
        } else {
            add("index", "vector index", "no index on \(MilvusColumns.embedding)")
        }
        return checks
    }

    public func describe() throws -> StoreDescription {
        var lines: [(name: String, value: String)] = [
            ("store", "\(location) (Milvus collection, LocalRAG format \(properties[Property.format] ?? "?"))"),
            ("state", state),
            ("embedder", embedderIdentifier),
            ("vectors", "\(count) x \(dimension), metric COSINE"),
            ("labels", "\(labels.count)"),
            ("index", properties[Property.index] ?? "-"),
        ]
        lines.append(("loaded", "\(try loadState() == .loaded ? "yes" : "no")"))
        let object = Dictionary(lines.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        return StoreDescription(lines: lines, json: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}

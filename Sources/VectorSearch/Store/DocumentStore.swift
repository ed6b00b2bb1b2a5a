// DocumentStore: reads the stored rows (id, text, label, source row) from the mapped rows.bin and texts.bin.
import Foundation

/// `rows.<gen>.bin` holds one 32-byte little-endian record per row: text offset (u64), text
/// length (u32), label index (u32, 0xFFFFFFFF for none), source row (u64), id length (u32), zero
/// (u32). `texts.<gen>.bin` is the UTF-8 texts back to back, each followed by its row's id;
/// `labels.<gen>.json` the label names. Format 1 records are the first 24 bytes (no id). Opening
/// validates every record, so a damaged file is reported at open, not as a crash at query time.
public final class DocumentStore: Sendable {
    static let recordSize = 32
    static let formatOneRecordSize = 24
    static let noLabel = UInt32.max

    public let count: Int
    /// Whether rows carry ids (format 2 on).
    public let hasIDs: Bool
    private let recordSize: Int
    /// Label names; a row's label is an index into this list.
    public let labels: [String]
    private let rowsFile: MappedFile
    private let textsFile: MappedFile

    init(rows: MappedFile, texts: MappedFile, labels: [String], count: Int, hasIDs: Bool) throws {
        let name = URL(fileURLWithPath: rows.path).lastPathComponent
        recordSize = hasIDs ? Self.recordSize : Self.formatOneRecordSize
        guard rows.size == count * recordSize else {
            throw StoreError.sizeMismatch(file: name, expected: count * recordSize, actual: rows.size)
        }
        self.rowsFile = rows
        self.textsFile = texts
        self.labels = labels
        self.count = count
        self.hasIDs = hasIDs
        for i in 0..<count {
            let (offset, length, label, _) = record(i)
            let idLength = hasIDs ? Int(rows.load(UInt32.self, at: i * recordSize + 24)) : 0
            guard offset >= 0, length >= 0, offset + length + idLength <= texts.size else {
                throw StoreError.corrupt(file: name, reason: "row \(i) points outside the texts file")
            }
            guard !hasIDs || (idLength > 0 && rows.load(UInt32.self, at: i * recordSize + 28) == 0) else {
                throw StoreError.corrupt(file: name, reason: "row \(i) has an empty id or a damaged record")
            }
            guard label == Self.noLabel || Int(label) < labels.count else {
                throw StoreError.corrupt(file: name, reason: "row \(i) has label index \(label) of \(labels.count)")
            }
        }
    }

    private func record(_ i: Int) -> (offset: Int, length: Int, label: UInt32, sourceRow: Int) {
        let base = i * recordSize
        return (Int(truncatingIfNeeded: rowsFile.load(UInt64.self, at: base)),
                Int(rowsFile.load(UInt32.self, at: base + 8)),
                rowsFile.load(UInt32.self, at: base + 12),
                Int(truncatingIfNeeded: rowsFile.load(UInt64.self, at: base + 16)))
    }

    /// Row `i` (0 ..< count).
    public func document(_ i: Int) -> Document {
        precondition(i >= 0 && i < count, "row \(i) out of 0..<\(count)")
        let r = record(i)
        let buf = UnsafeRawBufferPointer(start: textsFile.bytes + r.offset, count: r.length)
        let text = String(decoding: buf, as: UTF8.self)
        return Document(row: i, sourceRow: r.sourceRow, text: text, label: r.label == Self.noLabel ? nil : labels[Int(r.label)],
                        id: id(i))
    }

    /// The id of row `i`, nil in a format 1 index.
    public func id(_ i: Int) -> String? {
        precondition(i >= 0 && i < count, "row \(i) out of 0..<\(count)")
        guard hasIDs else { return nil }
        let r = record(i)
        let length = Int(rowsFile.load(UInt32.self, at: i * recordSize + 24))
        return String(decoding: UnsafeRawBufferPointer(start: textsFile.bytes + r.offset + r.length, count: length), as: UTF8.self)
    }

    /// Label index of row `i`, nil when the row has none.
    public func labelIndex(_ i: Int) -> Int? {
        let l = record(i).label
        return l == Self.noLabel ? nil : Int(l)
    }
}

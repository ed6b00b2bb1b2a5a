// DocumentStore: reads the stored rows (id, text, label, source row) from each segment's mapped rows.bin and texts.bin.
import Foundation

/// A segment's `rows.<gen>.bin` holds one 32-byte little-endian record per row: text offset (u64),
/// text length (u32), label index (u32, 0xFFFFFFFF for none), source row (u64), id length (u32),
/// zero (u32). Its `texts.<gen>.bin` is the UTF-8 texts back to back, each followed by its row's
/// id; `labels.<gen>.json` the label names, shared by the segments. Format 1 records are the first
/// 24 bytes (no id). Rows number on from segment to segment. Opening validates every record, so a
/// damaged file is reported at open, not as a crash at query time.
public final class DocumentStore: Sendable {
    static let recordSize = 32
    static let formatOneRecordSize = 24
    static let noLabel = UInt32.max

    public let count: Int
    /// Whether rows carry ids (format 2 on).
    public let hasIDs: Bool
    /// Label names; a row's label is an index into this list.
    public let labels: [String]
    private let recordSize: Int
    /// Each segment's rows and texts files and its rows.
    private let parts: [(rows: MappedFile, texts: MappedFile, count: Int)]
    /// Each segment's metadata (nil: the segment has none).
    private let metadata: [SegmentMetadata?]
    /// Where each segment's rows start.
    /// Where each segment's rows start (the index's stores share it).
    let bases: SegmentBases

    init(segments: [(rows: MappedFile, texts: MappedFile, count: Int)], metadata: [SegmentMetadata?] = [], labels: [String], hasIDs: Bool) throws {
        recordSize = hasIDs ? Self.recordSize : Self.formatOneRecordSize
        parts = segments
        self.metadata = metadata.isEmpty ? [SegmentMetadata?](repeating: nil, count: segments.count) : metadata
        self.labels = labels
        self.hasIDs = hasIDs
        bases = SegmentBases(counts: segments.map(\.count))
        count = bases.total
        for (p, part) in segments.enumerated() {
            let name = URL(fileURLWithPath: part.rows.path).lastPathComponent
            guard part.rows.size == part.count * recordSize else {
                throw StoreError.sizeMismatch(file: name, expected: part.count * recordSize, actual: part.rows.size)
            }
            for i in 0..<part.count {
                let (offset, length, label, _) = record(p, i)
                let idLength = hasIDs ? Int(part.rows.load(UInt32.self, at: i * recordSize + 24)) : 0
                guard offset >= 0, length >= 0, offset + length + idLength <= part.texts.size else {
                    throw StoreError.corrupt(file: name, reason: "row \(i) points outside the texts file")
                }
                guard !hasIDs || (idLength > 0 && part.rows.load(UInt32.self, at: i * recordSize + 28) == 0) else {
                    throw StoreError.corrupt(file: name, reason: "row \(i) has an empty id or a damaged record")
                }
                guard label == Self.noLabel || Int(label) < labels.count else {
                    throw StoreError.corrupt(file: name, reason: "row \(i) has label index \(label) of \(labels.count)")
                }
            }
        }
    }

    /// The segment and the row within it of row `i`.
    private func locate(_ i: Int) -> (part: Int, row: Int) {
        let p = bases.segment(of: i)
        return (p, i - bases.starts[p])
    }

    private func record(_ p: Int, _ i: Int) -> (offset: Int, length: Int, label: UInt32, sourceRow: Int) {
        let file = parts[p].rows, base = i * recordSize
        return (Int(truncatingIfNeeded: file.load(UInt64.self, at: base)),
                Int(file.load(UInt32.self, at: base + 8)),
                file.load(UInt32.self, at: base + 12),
                Int(truncatingIfNeeded: file.load(UInt64.self, at: base + 16)))
    }

    /// Row `i` (0 ..< count).
    public func document(_ i: Int) -> Document {
        let (p, local) = locate(i)
        let r = record(p, local)
        let text = String(decoding: UnsafeRawBufferPointer(start: parts[p].texts.bytes + r.offset, count: r.length), as: UTF8.self)
        return Document(row: i, sourceRow: r.sourceRow, text: text, label: r.label == Self.noLabel ? nil : labels[Int(r.label)],
                        id: id(i), metadata: metadata[p]?.values(row: local) ?? [:])
    }

    /// Row `i`'s value of metadata column `column`, nil when missing.
    public func metadataValue(_ column: String, row i: Int) -> MetadataValue? {
        let (p, local) = locate(i)
        return metadata[p]?.value(column, row: local)
    }

    /// Row `i`'s label name, nil when it has none.
    public func label(_ i: Int) -> String? { labelIndex(i).map { labels[$0] } }

    /// The id of row `i`, nil in a format 1 index.
    public func id(_ i: Int) -> String? {
        guard hasIDs else { return nil }
        let (p, local) = locate(i)
        let r = record(p, local)
        let length = Int(parts[p].rows.load(UInt32.self, at: local * recordSize + 24))
        return String(decoding: UnsafeRawBufferPointer(start: parts[p].texts.bytes + r.offset + r.length, count: length), as: UTF8.self)
    }

    /// Label index of row `i`, nil when the row has none.
    public func labelIndex(_ i: Int) -> Int? {
        let (p, local) = locate(i)
        let l = record(p, local).label
        return l == Self.noLabel ? nil : Int(l)
    }
}

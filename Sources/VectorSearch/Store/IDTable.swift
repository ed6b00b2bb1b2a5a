// IDTable: one segment's ids by hash (`ids.<gen>.bin`), so the writer finds a stored id by binary search, not by reading every id of the index.

/// The file holds one 16-byte entry per row of the segment, little-endian: the FNV-1a 64 hash of
/// the id's UTF-8 bytes, then the row within the segment; sorted by (hash, row). A hash match is a
/// candidate only: the row's own id is compared before it counts, so a damaged table can hide an id
/// (caught by `rag index verify`'s checksums) but never name a wrong row.
public struct IDTable: Sendable {
    static let entrySize = 16
    private let file: MappedFile
    public let count: Int

    /// The mapped table of a segment of `rows` rows; `sizeMismatch` when the file is not `rows` entries.
    public init(file: MappedFile, rows: Int, name: String) throws {
        guard file.size == rows * Self.entrySize else {
            throw StoreError.sizeMismatch(file: name, expected: rows * Self.entrySize, actual: file.size)
        }
        self.file = file
        count = rows
    }

    /// FNV-1a 64 of the id's UTF-8 bytes (stable across runs and machines: it is stored).
    public static func hash(_ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The rows (within the segment) whose id hashes to `hash`.
    public func candidates(hash: UInt64) -> [Int] {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if file.load(UInt64.self, at: mid * Self.entrySize) < hash { lo = mid + 1 } else { hi = mid }
        }
        var out: [Int] = []
        while lo < count, file.load(UInt64.self, at: lo * Self.entrySize) == hash {
            out.append(Int(truncatingIfNeeded: file.load(UInt64.self, at: lo * Self.entrySize + 8)))
            lo += 1
        }
        return out
    }

    /// The table's bytes for a segment whose rows hold `ids`, in row order.
    public static func encode(_ ids: [String]) -> [UInt8] {
        let entries = ids.enumerated().map { (hash: hash($0.element), row: UInt64($0.offset)) }.sorted { ($0.hash, $0.row) < ($1.hash, $1.row) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(entries.count * entrySize)
        for e in entries {
            withUnsafeBytes(of: e.hash.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: e.row.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}

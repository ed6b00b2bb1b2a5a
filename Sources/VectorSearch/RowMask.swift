// RowMask: a set of row numbers as bits, the rows a search may return (the live rows of an index with deletions).

/// Rows `0 ..< count` as one bit each (set: the row may be returned). Searches skip a row whose
/// bit is clear inside the scan, so a masked search still returns the top `k` among the rows
/// that pass, not fewer.
public struct RowMask: Sendable, Equatable {
    public let count: Int
    /// `count` bits, little-endian within each word; bits past `count` are clear.
    public private(set) var words: [UInt64]

    /// Every row set (`allSet`) or none.
    public init(count: Int, allSet: Bool) {
        precondition(count >= 0)
        self.count = count
        words = [UInt64](repeating: allSet ? ~0 : 0, count: (count + 63) / 64)
        if allSet, count % 64 != 0 { words[words.count - 1] = (1 << UInt64(count % 64)) - 1 }
    }

    /// From stored words (a tombstone file read back); refuses bits set past `count`.
    public init?(count: Int, words: [UInt64]) {
        guard count >= 0, words.count == (count + 63) / 64 else { return nil }
        if count % 64 != 0, let last = words.last, last >> UInt64(count % 64) != 0 { return nil }
        self.count = count
        self.words = words
    }

    @inlinable
    public func contains(_ row: Int) -> Bool {
        words[row >> 6] & (1 << UInt64(row & 63)) != 0
    }

    public mutating func insert(_ row: Int) {
        precondition(row >= 0 && row < count, "row \(row) out of 0..<\(count)")
        words[row >> 6] |= 1 << UInt64(row & 63)
    }

    public mutating func remove(_ row: Int) {
        precondition(row >= 0 && row < count, "row \(row) out of 0..<\(count)")
        words[row >> 6] &= ~(1 << UInt64(row & 63))
    }

    /// Rows set.
    public var population: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The rows set, ascending.
    public var members: [Int] {
        var out: [Int] = []
        for (i, w) in words.enumerated() where w != 0 {
            var bits = w
            while bits != 0 {
                out.append(i * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
        return out
    }

    /// The same rows in a mask over `newCount >= count` rows, the new ones `allSet` or clear.
    public func extended(to newCount: Int, allSet: Bool) -> RowMask {
        precondition(newCount >= count)
        var grown = RowMask(count: newCount, allSet: allSet)
        for (i, w) in words.enumerated() {
            // Keep the new rows' bits of the last shared word as `allSet` says.
            let valid: UInt64 = (i == words.count - 1 && count % 64 != 0) ? (1 << UInt64(count % 64)) - 1 : ~0
            grown.words[i] = (w & valid) | (grown.words[i] & ~valid)
        }
        return grown
    }

    /// The rows not set (bits past `count` stay clear).
    public func complement() -> RowMask {
        var out = RowMask(count: count, allSet: true)
        for i in out.words.indices { out.words[i] &= ~words[i] }
        return out
    }

    /// Rows set in both.
    public func intersection(_ other: RowMask) -> RowMask {
        precondition(other.count == count, "masks over \(count) and \(other.count) rows")
        var out = self
        for i in out.words.indices { out.words[i] &= other.words[i] }
        return out
    }
}

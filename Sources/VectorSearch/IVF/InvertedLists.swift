// InvertedLists: the IVF's rows grouped by list, each list's vectors one contiguous block (an sgemm operand).
import LinearAlgebra

/// `listCount` lists over `count` entries. List `l` is entries `offsets[l] ..< offsets[l + 1]`;
/// entry `e` is index row `ids[e]` with vector `vectors.row(e)`. So a list's vectors are one
/// `[size x dimension]` row-major block, handed to sgemm as is, and the ids are only read for
/// the rows that make a top-k. Within a list, entries are in ascending row order.
///
/// Backed either by memory of its own (built in process) or by mapped index files (opened from
/// disk); both are read-only once made.
public struct InvertedLists: Sendable {
    /// `listCount + 1` entry offsets, non-decreasing, from 0 to `count`.
    public let offsets: [Int]
    /// Row ids in list order, `[count]`.
    let rowIDs: RowIDs
    /// Vectors in list order, `[count x dimension]`.
    public let vectors: VectorStorage

    public var listCount: Int { offsets.count - 1 }
    public var count: Int { vectors.count }
    public var dimension: Int { vectors.dimension }

    init(offsets: [Int], rowIDs: RowIDs, vectors: VectorStorage) {
        precondition(offsets.first == 0 && offsets.last == vectors.count && rowIDs.count == vectors.count,
                     "inverted lists: offsets, ids and vectors disagree")
        self.offsets = offsets
        self.rowIDs = rowIDs
        self.vectors = vectors
    }

    /// Lists built in memory: `ids[offsets[l] ..< offsets[l+1]]` are list `l`'s rows, and their
    /// vectors are gathered from `source` (`[rows x dimension]`, indexed by row id).
    public init(offsets: [Int], ids: [UInt32], gathering source: UnsafePointer<Float>, dimension: Int) {
        var gathered = [Float]()
        gathered.reserveCapacity(ids.count * dimension)
        for id in ids {
            gathered.append(contentsOf: UnsafeBufferPointer(start: source + Int(id) * dimension, count: dimension))
        }
        self.init(offsets: offsets, rowIDs: RowIDs(copying: ids),
                  vectors: VectorStorage(copying: gathered, count: ids.count, dimension: dimension))
    }

    /// Entries in list `l`.
    @inlinable
    public func size(of l: Int) -> Int { offsets[l + 1] - offsets[l] }

    /// Row id of entry `e` (entries are numbered in list order).
    public func rowID(at e: Int) -> Int { Int(rowIDs.pointer[e]) }

    /// Row ids of list `l`, `[size(of: l)]`.
    public func ids(of l: Int) -> UnsafeBufferPointer<UInt32> {
        UnsafeBufferPointer(start: rowIDs.pointer + offsets[l], count: size(of: l))
    }

    /// First vector of list `l`; the list is `[size(of: l) x dimension]` from here.
    @inlinable
    public func vectors(of l: Int) -> UnsafePointer<Float> { vectors.row(offsets[l]) }

    /// Row ids of every entry in list order (a copy).
    public var allIDs: [UInt32] { Array(UnsafeBufferPointer(start: rowIDs.pointer, count: count)) }

    /// List sizes.
    public var sizes: [Int] { (0..<listCount).map(size(of:)) }

    /// Offsets and ids for rows assigned to lists by `labels` (row `i` goes to list `labels[i]`):
    /// a counting sort, so every list is sized before it is filled and keeps row order.
    static func layout(labels: [Int32], listCount: Int, firstRow: Int = 0) -> (offsets: [Int], ids: [UInt32]) {
        extendedLayout(offsets: [Int](repeating: 0, count: listCount + 1), ids: [], labels: labels, firstRow: firstRow)
    }

    /// Offsets and ids after appending rows `firstRow ..< firstRow + labels.count` to existing
    /// lists (`offsets`, `ids` as stored): each list keeps its entries and gains the new rows at
    /// its end, so lists stay in ascending row order.
    static func extendedLayout(offsets: [Int], ids: [UInt32], labels: [Int32], firstRow: Int) -> (offsets: [Int], ids: [UInt32]) {
        let nlist = offsets.count - 1
        var added = [Int](repeating: 0, count: nlist)
        for l in labels { added[Int(l)] += 1 }
        var newOffsets = [Int](repeating: 0, count: nlist + 1)
        for l in 0..<nlist { newOffsets[l + 1] = newOffsets[l] + (offsets[l + 1] - offsets[l]) + added[l] }
        var newIDs = [UInt32](repeating: 0, count: newOffsets[nlist])
        var cursor = Array(newOffsets.dropLast())
        for l in 0..<nlist {
            for e in offsets[l]..<offsets[l + 1] {
                newIDs[cursor[l]] = ids[e]
                cursor[l] += 1
            }
        }
        for (i, l) in labels.enumerated() {
            newIDs[cursor[Int(l)]] = UInt32(firstRow + i)
            cursor[Int(l)] += 1
        }
        return (newOffsets, newIDs)
    }
}

/// `count` UInt32 row ids behind a stable pointer: owned, or inside a mapped file kept alive here.
final class RowIDs: @unchecked Sendable {
    // Safe to share: never written after init.
    let pointer: UnsafePointer<UInt32>
    let count: Int
    private let owner: AnyObject?
    private let owned: UnsafeMutablePointer<UInt32>?

    init(copying ids: [UInt32]) {
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, ids.count))
        ids.withUnsafeBufferPointer { if let b = $0.baseAddress { p.initialize(from: b, count: ids.count) } }
        pointer = UnsafePointer(p)
        count = ids.count
        owned = p
        owner = nil
    }

    /// Views `count` ids at byte `offset` of `file` (4-byte aligned).
    init(mapped file: MappedFile, offset: Int, count: Int) {
        precondition(offset % 4 == 0 && offset + count * 4 <= file.size)
        pointer = (file.bytes + offset).assumingMemoryBound(to: UInt32.self)
        self.count = count
        owner = file
        owned = nil
    }

    deinit { owned?.deallocate() }
}

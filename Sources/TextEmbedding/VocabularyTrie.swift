// VocabularyTrie: the WordPiece vocabulary as a flat trie over exact Unicode scalar sequences.
import Foundation

/// Longest-match-first WordPiece asks "which is the longest vocabulary entry starting here?".
/// Walking a trie answers that in one pass, where `tokenization_bert.py` tries every end position
/// from the longest down and allocates a substring each time.
///
/// Keys are exact scalar sequences, not `String`s: `String` equality and hashing use canonical
/// equivalence, so `"é"` and `"e\u{301}"` would be one key. Harmless for the MiniLM vocab (all
/// NFD, no marks, no two entries canonically equal) but wrong in general, and scalars are what
/// the normalizer hands over anyway.
///
/// Layout: node n's outgoing edges are `labels/targets[edgeStart[n] ..< edgeStart[n] + edgeCount[n]]`,
/// sorted by label. The root's ASCII edges are also in a dense table: every word starts there.
struct VocabularyTrie: Sendable {
    static let root: Int32 = 0
    static let none: Int32 = -1

    private var edgeStart: [Int32] = []
    private var edgeCount: [Int32] = []
    /// Vocabulary id of the entry ending at each node, or `none`.
    private var tokenIDs: [Int32] = []
    private var labels: [UInt32] = []
    private var targets: [Int32] = []
    private var rootASCII = [Int32](repeating: VocabularyTrie.none, count: 128)

    /// A duplicate entry: both 0-based indices into the token list.
    struct DuplicateEntry: Error {
        var firstIndex: Int
        var index: Int
    }

    /// Builds the trie of `entries[i]` → id `i`. Throws on two identical scalar sequences.
    /// Every entry must be non-empty.
    init(entries: [[UInt32]]) throws(DuplicateEntry) {
        precondition(entries.allSatisfy { !$0.isEmpty }, "empty vocabulary entry")
        // Sorted, a node's entries form one contiguous run and its children sub-runs, so the
        // trie is built by recursion over ranges with no per-node dictionaries.
        let order = entries.indices.sorted { a, b in
            entries[a].lexicographicallyPrecedes(entries[b]) || (entries[a] == entries[b] && a < b)
        }
        for (previous, current) in zip(order, order.dropFirst()) where entries[previous] == entries[current] {
            throw DuplicateEntry(firstIndex: previous, index: current)
        }
        let sorted = order.map { entries[$0] }
        let ids = order.map { Int32($0) }
        _ = appendNode(sorted: sorted, ids: ids, range: 0..<sorted.count, depth: 0)
        for index in Int(edgeStart[0])..<Int(edgeStart[0] + edgeCount[0]) where labels[index] < 128 {
            rootASCII[Int(labels[index])] = targets[index]
        }
    }

    /// Builds the node for the common prefix of length `depth` shared by `sorted[range]`.
    private mutating func appendNode(sorted: [[UInt32]], ids: [Int32], range: Range<Int>, depth: Int) -> Int32 {
        let node = Int32(tokenIDs.count)
        tokenIDs.append(VocabularyTrie.none)
        edgeStart.append(Int32(labels.count))
        edgeCount.append(0)
        var lower = range.lowerBound
        if sorted[lower].count == depth {  // the prefix itself is an entry; it sorts first
            tokenIDs[Int(node)] = ids[lower]
            lower += 1
        }
        // Reserve this node's edge block before recursing so its edges stay contiguous.
        var groupStarts: [Int] = []
        for index in lower..<range.upperBound where index == lower || sorted[index][depth] != sorted[index - 1][depth] {
            groupStarts.append(index)
        }
        let firstEdge = labels.count
        edgeCount[Int(node)] = Int32(groupStarts.count)
        for start in groupStarts {
            labels.append(sorted[start][depth])
            targets.append(VocabularyTrie.none)
        }
        for (offset, start) in groupStarts.enumerated() {
            let end = offset + 1 < groupStarts.count ? groupStarts[offset + 1] : range.upperBound
            let child = appendNode(sorted: sorted, ids: ids, range: start..<end, depth: depth + 1)
            targets[firstEdge + offset] = child
        }
        return node
    }

    /// The child of `node` along `label`, or `none`.
    @inline(__always)
    func child(of node: Int32, label: UInt32) -> Int32 {
        if node == VocabularyTrie.root && label < 128 { return rootASCII[Int(label)] }
        var low = Int(edgeStart[Int(node)])
        var high = low + Int(edgeCount[Int(node)])
        // Most nodes have a handful of children: a linear scan beats bisection there. The
        // bisection keeps the first label >= `label` inside low..<high.
        while high - low > 8 {
            let middle = (low + high) >> 1
            if labels[middle] < label { low = middle + 1 } else { high = middle + 1 }
        }
        while low < high {
            let candidate = labels[low]
            if candidate == label { return targets[low] }
            if candidate > label { return VocabularyTrie.none }
            low += 1
        }
        return VocabularyTrie.none
    }

    /// The id of the entry ending at `node`, or `none`.
    @inline(__always)
    func tokenID(at node: Int32) -> Int32 {
        tokenIDs[Int(node)]
    }

    /// The node reached by walking `scalars` from `start`, or `none`.
    func node(for scalars: some Sequence<UInt32>, from start: Int32 = VocabularyTrie.root) -> Int32 {
        var node = start
        for label in scalars {
            node = child(of: node, label: label)
            if node == VocabularyTrie.none { return node }
        }
        return node
    }

    /// The id of exactly `scalars`, or nil.
    func id(of scalars: some Sequence<UInt32>) -> Int32? {
        let node = node(for: scalars)
        guard node != VocabularyTrie.none else { return nil }
        let id = tokenID(at: node)
        return id == VocabularyTrie.none ? nil : id
    }
}

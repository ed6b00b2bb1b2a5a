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
/// Layout: node n's outgoing edges are `edges[nodes[n].firstEdge ..< + nodes[n].edgeCount]`,
/// sorted by label. The root's and the `##` node's ASCII edges are also in dense tables: every
/// wordpiece lookup starts at one of them. A class, so that copying a tokenizer (as every
/// closure capturing it does) retains one reference instead of each array.
final class VocabularyTrie: Sendable {
    static let root: Int32 = 0
    static let none: Int32 = -1

    struct Node {
        var firstEdge: Int32
        var edgeCount: Int32
        /// Vocabulary id of the entry ending here, or `none`.
        var tokenID: Int32
    }

    struct Edge {
        var label: UInt32
        var target: Int32
    }

    /// A duplicate entry: both 0-based indices into the token list.
    struct DuplicateEntry: Error {
        var firstIndex: Int
        var index: Int
    }

    private let nodes: [Node]
    private let edges: [Edge]
    /// The node where `##` continuation pieces start, or `none`.
    let continuationRoot: Int32
    /// Children of the root (`0..<128`) and of `continuationRoot` (`128..<256`) by ASCII label.
    private let asciiChildren: [Int32]

    /// Builds the trie of `entries[i]` → id `i`, with `continuationPrefix` (`##`) marking where
    /// continuation pieces start. Throws on two identical scalar sequences. Every entry must be
    /// non-empty.
    init(entries: [[UInt32]], continuationPrefix: [UInt32]) throws(DuplicateEntry) {
        precondition(entries.allSatisfy { !$0.isEmpty }, "empty vocabulary entry")
        // Sorted, a node's entries form one contiguous run and its children sub-runs, so the
        // trie is built by recursion over ranges with no per-node dictionaries.
        let order = entries.indices.sorted { a, b in
            entries[a].lexicographicallyPrecedes(entries[b]) || (entries[a] == entries[b] && a < b)
        }
        for (previous, current) in zip(order, order.dropFirst()) where entries[previous] == entries[current] {
            throw DuplicateEntry(firstIndex: previous, index: current)
        }
        var builder = Builder(sorted: order.map { entries[$0] }, ids: order.map { Int32($0) })
        if !entries.isEmpty { _ = builder.appendNode(range: 0..<entries.count, depth: 0) }
        nodes = builder.nodes
        edges = builder.edges

        func walk(_ labels: [UInt32], from start: Int32) -> Int32 {
            var node = start
            for label in labels where node != VocabularyTrie.none {
                node = Self.child(of: node, label: label, nodes: builder.nodes, edges: builder.edges)
            }
            return node
        }
        continuationRoot = walk(continuationPrefix, from: VocabularyTrie.root)
        var dense = [Int32](repeating: VocabularyTrie.none, count: 256)
        for (slot, node) in [VocabularyTrie.root, continuationRoot].enumerated() where node != VocabularyTrie.none {
            for label in UInt32(0)..<128 {
                dense[slot * 128 + Int(label)] = walk([label], from: node)
            }
        }
        asciiChildren = dense
    }

    /// The child of `node` along `label`, or `none`. `node` must not be `none`.
    @inline(__always)
    func child(of node: Int32, label: UInt32) -> Int32 {
        if label < 128 {
            if node == VocabularyTrie.root { return asciiChildren[Int(label)] }
            if node == continuationRoot { return asciiChildren[128 + Int(label)] }
        }
        return Self.child(of: node, label: label, nodes: nodes, edges: edges)
    }

    @inline(__always)
    private static func child(of node: Int32, label: UInt32, nodes: [Node], edges: [Edge]) -> Int32 {
        let entry = nodes[Int(node)]
        var low = Int(entry.firstEdge)
        var high = low + Int(entry.edgeCount)
        // Most nodes have a handful of children: a linear scan beats bisection there. The
        // bisection keeps the first label >= `label` inside low..<high.
        while high - low > 8 {
            let middle = (low + high) >> 1
            if edges[middle].label < label { low = middle + 1 } else { high = middle + 1 }
        }
        while low < high {
            let edge = edges[low]
            if edge.label == label { return edge.target }
            if edge.label > label { return VocabularyTrie.none }
            low += 1
        }
        return VocabularyTrie.none
    }

    /// The id of the entry ending at `node`, or `none`.
    @inline(__always)
    func tokenID(at node: Int32) -> Int32 {
        nodes[Int(node)].tokenID
    }

    /// The id of exactly `scalars`, or nil.
    func id(of scalars: some Sequence<UInt32>) -> Int32? {
        var node = VocabularyTrie.root
        for label in scalars {
            node = child(of: node, label: label)
            if node == VocabularyTrie.none { return nil }
        }
        let id = tokenID(at: node)
        return id == VocabularyTrie.none ? nil : id
    }

    private struct Builder {
        let sorted: [[UInt32]]
        let ids: [Int32]
        var nodes: [Node] = []
        var edges: [Edge] = []

        /// Appends the node for the common prefix of length `depth` shared by `sorted[range]`.
        mutating func appendNode(range: Range<Int>, depth: Int) -> Int32 {
            let node = nodes.count
            nodes.append(Node(firstEdge: Int32(edges.count), edgeCount: 0, tokenID: VocabularyTrie.none))
            var lower = range.lowerBound
            if sorted[lower].count == depth {  // the prefix itself is an entry; it sorts first
                nodes[node].tokenID = ids[lower]
                lower += 1
            }
            var groupStarts: [Int] = []
            for index in lower..<range.upperBound
            where index == lower || sorted[index][depth] != sorted[index - 1][depth] {
                groupStarts.append(index)
            }
            // Reserve this node's edge block before recursing so its edges stay contiguous.
            let firstEdge = edges.count
            nodes[node].edgeCount = Int32(groupStarts.count)
            for start in groupStarts {
                edges.append(Edge(label: sorted[start][depth], target: VocabularyTrie.none))
            }
            for (offset, start) in groupStarts.enumerated() {
                let end = offset + 1 < groupStarts.count ? groupStarts[offset + 1] : range.upperBound
                edges[firstEdge + offset].target = appendNode(range: start..<end, depth: depth + 1)
            }
            return Int32(node)
        }
    }
}

// StratifiedDraw: a seeded draw of up to n labelled rows per label, the same rows for every technique of a learning curve.
import LinearAlgebra

/// Which rows a learning-curve point trains on. Each label's rows are shuffled by one SplitMix64
/// stream (labels in code point order, the stream seeded by `seed`) and the first `perLabel` kept,
/// so a seed gives the same rows on every machine and the draws of one seed are nested: the 2 rows
/// of a label are among its 4. A label with fewer rows than asked gives all it has (`capped`).
/// Unlabelled rows are never drawn.
public struct StratifiedDraw: Sendable, Equatable {
    /// Indices into the labels given, ascending.
    public let rows: [Int]
    /// Rows drawn of each label.
    public let perLabelCounts: [String: Int]
    /// Labels that had fewer rows than asked, in code point order.
    public let capped: [String]

    /// - Parameter perLabel: rows per label (at least 1), or nil for every labelled row.
    public init(labels: [String?], perLabel: Int?, seed: UInt64) {
        precondition(perLabel.map { $0 >= 1 } ?? true, "at least one row per label")
        var byLabel: [String: [Int]] = [:]
        for (i, label) in labels.enumerated() { if let label { byLabel[label, default: []].append(i) } }
        var generator = SplitMix64(seed: seed)
        var rows: [Int] = [], counts: [String: Int] = [:], capped: [String] = []
        for label in LabelOrder.sorted(byLabel.keys) {
            var members = byLabel[label]!
            members.shuffle(using: &generator)
            let n = min(perLabel ?? members.count, members.count)
            if let perLabel, perLabel > members.count { capped.append(label) }
            rows.append(contentsOf: members.prefix(n))
            counts[label] = n
        }
        self.rows = rows.sorted()
        perLabelCounts = counts
        self.capped = capped
    }
}

// ContrastiveBatches: an epoch's order of the training rows in which rows of one label come in small groups, so every batch holds positives.
import LinearAlgebra

/// The contrastive objective learns only from sentences that meet another of their label in the
/// batch; a plain shuffle at 8 rows per label and 161 labels would give a batch of 32 almost none.
/// Each label's rows are shuffled and cut into groups of `groupSize` (a label's last, short group
/// joins the one before it; a label of one row stays alone), the groups are shuffled, and the
/// order is their concatenation: cut into batches, nearly every row has a positive. Every row comes
/// once an epoch (the cost is that of a shuffled epoch); seeded, so an epoch repeats.
public enum ContrastiveBatches {
    /// `rows` (indices) reordered so that groups of one label (`label(row)`) are adjacent.
    public static func order(_ rows: [Int], label: (Int) -> Int, groupSize: Int, seed: UInt64) -> [Int] {
        precondition(groupSize >= 2)
        var rng = SplitMix64(seed: seed)
        var byLabel: [Int: [Int]] = [:]
        for r in rows { byLabel[label(r), default: []].append(r) }
        var groups: [[Int]] = []
        for key in byLabel.keys.sorted() {
            var members = byLabel[key]!
            members.shuffle(using: &rng)
            var labelGroups = stride(from: 0, to: members.count, by: groupSize).map { Array(members[$0..<min(members.count, $0 + groupSize)]) }
            if labelGroups.count > 1, labelGroups.last!.count < groupSize {
                let short = labelGroups.removeLast()
                labelGroups[labelGroups.count - 1] += short
            }
            groups += labelGroups
        }
        groups.shuffle(using: &rng)
        return groups.flatMap { $0 }
    }
}

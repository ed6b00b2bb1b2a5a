// NeighbourVote: classifies by a similarity-weighted vote of the retrieved neighbours' labels.

/// Each neighbour votes for its label with its cosine similarity (negative similarities count 0).
/// The label with the largest summed weight wins; equal sums go to the label with more votes,
/// then to the one holding the better-ranked neighbour. Confidence is the winner's share of the
/// total weight.
public struct NeighbourVote: Sendable {
    public init() {}

    /// Summed weight per label, in `labels` order (labels absent from the neighbours get 0), and
    /// the winner. An unlabelled neighbour does not vote.
    public func vote(_ neighbours: [Neighbour]) -> (label: String, confidence: Double, weights: [String: Double])? {
        var weight: [String: Double] = [:], votes: [String: Int] = [:], firstRank: [String: Int] = [:]
        for n in neighbours {
            guard let label = n.document.label else { continue }
            weight[label, default: 0] += Double(max(0, n.score))
            votes[label, default: 0] += 1
            if firstRank[label] == nil { firstRank[label] = n.rank }
        }
        guard let winner = weight.keys.max(by: { a, b in
            if weight[a]! != weight[b]! { return weight[a]! < weight[b]! }
            if votes[a]! != votes[b]! { return votes[a]! < votes[b]! }
            return firstRank[a]! > firstRank[b]!
        }) else { return nil }
        let total = weight.values.reduce(0, +)
        return (winner, total > 0 ? weight[winner]! / total : 1.0 / Double(weight.count), weight)
    }
}

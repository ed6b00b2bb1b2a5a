// SegmentBases: where each segment's rows start in one numbering of all rows, and which segment holds a row.

/// The first row of each of `segments` segments, numbered on from one to the next, and the total.
struct SegmentBases: Sendable {
    /// `[segments + 1]`: segment `s` holds rows `starts[s] ..< starts[s + 1]`.
    let starts: [Int]

    init(counts: some Sequence<Int>) {
        var starts = [0]
        for c in counts { starts.append(starts[starts.count - 1] + c) }
        self.starts = starts
    }

    var total: Int { starts[starts.count - 1] }

    /// The segment holding row `i` (the last of several that start there, so empty segments are skipped).
    func segment(of i: Int) -> Int {
        precondition(i >= 0 && i < total, "row \(i) out of 0..<\(total)")
        var lo = 0, hi = starts.count - 2
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= i { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

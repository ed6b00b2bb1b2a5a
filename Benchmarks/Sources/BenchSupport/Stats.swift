// Stats: median, percentiles and recall@k, defined as the shared anchors define them.

/// Linear-interpolated percentile, `q` in 0...1 (numpy's default and the anchors' `pct`).
public func percentile(_ xs: [Double], _ q: Double) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    let k = Double(s.count - 1) * q
    let lo = Int(k)
    let hi = min(lo + 1, s.count - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - Double(lo))
}

public func median(_ xs: [Double]) -> Double { percentile(xs, 0.5) }

/// (max - min) / median, the anchors' "spread".
public func spread(_ xs: [Double]) -> Double {
    guard let lo = xs.min(), let hi = xs.max() else { return 0 }
    let m = median(xs)
    return m > 0 ? (hi - lo) / m : 0
}

/// Fraction of the true top-`k` ids found in the returned top-`k`, over all queries
/// (the anchors' `recall_at_k`). `found` is `[nq x foundK]` row-major, `truth` `[nq x truthK]`.
public func recallAtK(found: [Int], foundK: Int, truth: [Int32], truthK: Int, queries nq: Int, k: Int = 10) -> Double {
    precondition(found.count == nq * foundK && truth.count >= nq * truthK)
    let kk = min(k, foundK, truthK)
    guard nq > 0, kk > 0 else { return 0 }
    var hits = 0
    for q in 0..<nq {
        let t = Set((0..<kk).map { Int(truth[q * truthK + $0]) })
        for j in 0..<kk where t.contains(found[q * foundK + j]) { hits += 1 }
    }
    return Double(hits) / Double(kk * nq)
}

/// FNV-1a 64 over the UTF-8 of the texts, each followed by 0x1E, so two programs can check
/// that they read the same corpus (the Python driver computes the same hash).
public func corpusHash(_ texts: [String]) -> String {
    var h: UInt64 = 0xcbf29ce484222325
    for t in texts {
        for b in t.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        h = (h ^ 0x1E) &* 0x100000001b3
    }
    let s = String(h, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

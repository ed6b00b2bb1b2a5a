// Normalization: L2 norms and in-place row normalisation, so cosine becomes an inner product.

public enum Normalization {
    /// Euclidean norm of `n` floats, accumulated in Double for stability.
    @inlinable
    public static func l2Norm(_ p: UnsafePointer<Float>, count n: Int) -> Float {
        var acc: Double = 0
        for i in 0..<n { acc += Double(p[i]) * Double(p[i]) }
        return Float(acc.squareRoot())
    }

    /// Scales every row of a row-major `[rows x cols]` buffer to unit L2 norm.
    /// A zero row stays zero (there is no direction to keep).
    public static func normalizeRows(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = p + r * cols
            let norm = l2Norm(row, count: cols)
            guard norm > 0 else { continue }
            let inv = 1 / norm
            for c in 0..<cols { row[c] *= inv }
        }
    }

    /// Returns `m` with every row scaled to unit L2 norm.
    public static func normalizedRows(_ m: Matrix) -> Matrix {
        var out = m
        out.storage.withUnsafeMutableBufferPointer { buf in
            if let base = buf.baseAddress { normalizeRows(base, rows: m.rows, cols: m.cols) }
        }
        return out
    }
}

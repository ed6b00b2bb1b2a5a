// Softmax: row-wise softmax in place, shifted by the row maximum so exp never overflows.
import Foundation

public enum Softmax {
    /// Replaces each row of the row-major `[rows x cols]` buffer by its softmax.
    public static func rows(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = p + r * cols
            var m = -Float.infinity
            for c in 0..<cols { m = max(m, row[c]) }
            var s: Float = 0
            for c in 0..<cols {
                let e = expf(row[c] - m)
                row[c] = e
                s += e
            }
            let inv = 1 / s
            for c in 0..<cols { row[c] *= inv }
        }
    }
}

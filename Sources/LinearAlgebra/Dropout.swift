// Dropout: seeded inverted-dropout masks that do not depend on the thread count, and the fused steps that apply them.

/// BERT's dropout as multipliers: 0 with probability p, else 1/(1−p). A nil mask means dropout is off.
public enum Dropout {
    /// Fills `m` with 0 with probability `p`, else `scale`; 16 random bits per element. Blocks of
    /// 4096 elements draw from their own generator (seeded from `seed` and the block), in parallel:
    /// the mask depends on the seed only, never on the thread count.
    public static func mask(_ m: UnsafeMutablePointer<Float>, count n: Int, p: Float, scale: Float, seed: UInt64) {
        let threshold = UInt64((Double(p) * 65536).rounded())
        let block = 4096
        let blocks = (n + block - 1) / block
        let parts = BLASThreads.chunks(blocks, parts: BLASThreads.count)
        BLASThreads.parallel(parts.count) { part in
            for b in parts[part] {
                // The block's seed is a hash of (seed, block): seeds that differ by the generator's own
                // increment would give shifted copies of one stream.
                var mixer = SplitMix64(seed: seed ^ UInt64(b))
                var rng = SplitMix64(seed: mixer.next() ^ UInt64(b) << 32)
                var j = b * block
                let end = min(n, j + block)
                while j < end {
                    var bits = rng.next()
                    for _ in 0..<4 where j < end {
                        m[j] = (bits & 0xFFFF) < threshold ? 0 : scale
                        bits >>= 16
                        j += 1
                    }
                }
            }
        }
    }

    /// `out[j] = x[j] · mask[j]` over `range` (a copy without a mask).
    @inline(__always)
    public static func apply(_ mask: UnsafeMutablePointer<Float>?, to x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                             range: Range<Int>) {
        if let mask {
            for j in range { out[j] = x[j] * mask[j] }
        } else {
            (out + range.lowerBound).update(from: x + range.lowerBound, count: range.count)
        }
    }

    /// `x[r] = (x[r] + bias) ∘ mask[r] + residual[r]` for each row in `rows` of `[* x cols]` buffers.
    public static func biasDropoutResidual(_ x: UnsafeMutablePointer<Float>, rows: Range<Int>, cols: Int, bias: UnsafePointer<Float>,
                                           mask: UnsafeMutablePointer<Float>?, residual: UnsafePointer<Float>) {
        for r in rows {
            let row = x + r * cols, res = residual + r * cols
            if let mask {
                let m = mask + r * cols
                for j in 0..<cols { row[j] = (row[j] + bias[j]) * m[j] + res[j] }
            } else {
                for j in 0..<cols { row[j] = row[j] + bias[j] + res[j] }
            }
        }
    }
}

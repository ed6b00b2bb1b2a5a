// ScalarQuantizer: per-dimension 8-bit codes of float vectors (faiss's SQ8), trained on the rows, and queries turned into 8-bit integers for the scan.
import Foundation

/// Each dimension's range over the training rows, cut in 255 steps: a row is stored as one byte a
/// dimension (a quarter of float32), `x[d] ≈ minimum[d] + code[d] · step[d]`. Values outside the
/// trained range (rows added later) clamp to its ends; the float32 rows stay on disk for the exact
/// rescoring, so codes only choose candidates.
public struct ScalarQuantizer: Sendable, Equatable {
    public let dimension: Int
    /// Each dimension's smallest training value.
    public let minimum: [Float]
    /// Each dimension's range / 255 (0 for a dimension every row shares).
    public let step: [Float]

    public init(minimum: [Float], step: [Float]) {
        precondition(minimum.count == step.count, "\(minimum.count) minima for \(step.count) steps")
        self.dimension = minimum.count
        self.minimum = minimum
        self.step = step
    }

    /// The range of every dimension over several blocks of rows (an index's segments), read in place.
    public static func train(blocks: [(rows: UnsafePointer<Float>, count: Int)], dimension: Int) -> ScalarQuantizer {
        var lo = [Float](repeating: .infinity, count: dimension), hi = [Float](repeating: -.infinity, count: dimension)
        for (rows, count) in blocks {
            for i in 0..<count {
                let r = rows + i * dimension
                for d in 0..<dimension {
                    lo[d] = min(lo[d], r[d])
                    hi[d] = max(hi[d], r[d])
                }
            }
        }
        guard lo.allSatisfy(\.isFinite) else {
            return ScalarQuantizer(minimum: [Float](repeating: 0, count: dimension), step: [Float](repeating: 0, count: dimension))
        }
        return ScalarQuantizer(minimum: lo, step: (0..<dimension).map { (hi[$0] - lo[$0]) / 255 })
    }

    /// The codes of `count` rows into `codes` (`count · dimension` bytes).
    public func encode(rows: UnsafePointer<Float>, count: Int, into codes: UnsafeMutablePointer<UInt8>) {
        let inverse = step.map { $0 > 0 ? 1 / $0 : 0 }
        for i in 0..<count {
            let r = rows + i * dimension, c = codes + i * dimension
            for d in 0..<dimension {
                let level = ((r[d] - minimum[d]) * inverse[d]).rounded()
                c[d] = level.isNaN || level <= 0 ? 0 : level >= 255 ? 255 : UInt8(level)
            }
        }
    }

    /// The vector one row of codes stands for.
    public func decode(_ codes: UnsafePointer<UInt8>) -> [Float] {
        (0..<dimension).map { minimum[$0] + Float(codes[$0]) * step[$0] }
    }

    /// `query` for the integer scan: `query · decode(c) ≈ offset + scale · Σ values[d] · c[d]`,
    /// with `values[d] = round(query[d] · step[d] / scale)` in -127...127.
    public func prepare(query: UnsafePointer<Float>) -> QuantizedQuery {
        var offset: Float = 0
        var weighted = [Float](repeating: 0, count: dimension)
        var largest: Float = 0
        for d in 0..<dimension {
            offset += query[d] * minimum[d]
            weighted[d] = query[d] * step[d]
            largest = max(largest, abs(weighted[d]))
        }
        guard largest > 0, largest.isFinite else {
            return QuantizedQuery(values: [Int8](repeating: 0, count: dimension), scale: 0, offset: offset)
        }
        let scale = largest / 127
        return QuantizedQuery(values: weighted.map { Int8(max(-127, min(127, ($0 / scale).rounded()))) }, scale: scale, offset: offset)
    }
}

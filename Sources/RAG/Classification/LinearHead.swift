// LinearHead: a softmax classifier on frozen embeddings ("fine-tuned without an API"), its weights and labels.
public import LinearAlgebra
import Foundation

/// `p = softmax([x, 1] · W)` with `W` of shape `[(dimension + 1) x labels.count]` (the last row is
/// the bias). Trained by `LinearHeadTrainer`; stored in the index folder as its "head" part.
public struct LinearHead: Sendable, Equatable {
    public let labels: [String]
    public let dimension: Int
    /// `[(dimension + 1) x labels.count]`, row-major; row `dimension` is the bias.
    public let weights: [Float]

    public init(labels: [String], dimension: Int, weights: [Float]) {
        precondition(weights.count == (dimension + 1) * labels.count, "head weights do not match its shape")
        self.labels = labels
        self.dimension = dimension
        self.weights = weights
    }

    /// Class probabilities of every row of `x` (`[n x dimension]`): `[n x labels.count]`.
    public func probabilities(_ x: Matrix) -> Matrix {
        precondition(x.cols == dimension, "embedding dimension \(x.cols), head \(dimension)")
        var logits = Matrix(rows: x.rows, cols: labels.count)
        guard x.rows > 0 else { return logits }
        x.storage.withUnsafeBufferPointer { xp in
            weights.withUnsafeBufferPointer { wp in
                logits.storage.withUnsafeMutableBufferPointer { lp in
                    GEMM.multiply(m: x.rows, n: labels.count, k: dimension, a: xp.baseAddress!, b: wp.baseAddress!, c: lp.baseAddress!)
                    let bias = wp.baseAddress! + dimension * labels.count
                    for r in 0..<x.rows {
                        for c in 0..<labels.count { lp[r * labels.count + c] += bias[c] }
                    }
                    Softmax.rows(lp.baseAddress!, rows: x.rows, cols: labels.count)
                }
            }
        }
        return logits
    }
}

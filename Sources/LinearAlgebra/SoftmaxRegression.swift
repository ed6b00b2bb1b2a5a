// SoftmaxRegression: multinomial logistic regression on rows of features, bound-optimisation Newton steps through a Cholesky factor.
import Foundation

/// Minimises `-Σ log p(y_i | x_i) + λ/2 ‖W‖²` (the bias unpenalised) for `p = softmax([x, 1]·W)`.
///
/// A full Newton step would need the `(d+1)K x (d+1)K` Hessian (62k² for 161 classes). Böhning's
/// bound (Böhning 1992, "Multinomial logistic regression algorithm") replaces it with the fixed
/// matrix `B = ½ XᵀX + Λ`, which dominates the Hessian, so every step
/// `W ← W − B⁻¹ (Xᵀ(P − Y) + ΛW)` lowers the loss and `B` is factored once (`Cholesky`).
/// Each step then costs two sgemms and a triangular solve with K right-hand sides; Nesterov
/// momentum with restarts shortens the run, and a warm start shortens a λ path. The linear head
/// over an index and the head fitted after contrastive fine-tuning both train through it.
public struct SoftmaxRegression: Sendable {
    /// L2 penalty on the weights (sklearn's `C` is `1/λ`).
    public var lambda: Double
    public var maxIterations: Int
    /// Stop when the loss falls by less than this fraction.
    public var tolerance: Double

    public init(lambda: Double = 0.02, maxIterations: Int = 300, tolerance: Double = 1e-7) {
        self.lambda = lambda
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    /// A fit: `weights` is `[(d + 1) x classes]`, row-major, row `d` the bias.
    public struct Fit: Sendable {
        public var weights: [Float]
        public var iterations: Int
        /// The penalised loss divided by the rows.
        public var loss: Double
    }

    /// Fits `classes` classes to `x` (`[n x d]`) with `y[i]` the class of row i, from zero weights
    /// or from `start` (`[(d + 1) x classes]`). Throws `Cholesky.Failure` when the bound is not definite.
    public func fit(_ x: Matrix, classes k: Int, y: [Int], start: [Float]? = nil) throws -> Fit {
        precondition(x.rows == y.count, "\(x.rows) rows, \(y.count) labels")
        let n = x.rows, d = x.cols, p = d + 1

        // Xb = [X | 1], n x p.
        var xb = [Float](repeating: 1, count: n * p)
        for r in 0..<n { for c in 0..<d { xb[r * p + c] = x[r, c] } }

        // B = ½ XbᵀXb + Λ (double), factored once; each step then solves B·s = G for the gradient G.
        var xtx = [Float](repeating: 0, count: p * p)
        xb.withUnsafeBufferPointer { xp in
            xtx.withUnsafeMutableBufferPointer { GEMM.gramUpper(n: n, k: p, a: xp.baseAddress!, c: $0.baseAddress!) }
        }
        var b = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in i..<p {
                b[i * p + j] = 0.5 * Double(xtx[i * p + j])
                b[j * p + i] = b[i * p + j]
            }
            b[i * p + i] += penalty(i, d: d)
        }
        let bound = try Cholesky(b, size: p)

        var w = [Float](repeating: 0, count: p * k)
        if let start, start.count == w.count { w = start }
        var momentum = w
        var probs = [Float](repeating: 0, count: n * k)
        var step = [Float](repeating: 0, count: p * k)
        var gradient = [Double](repeating: 0, count: p * k)
        var previousLoss = Double.infinity
        var iterations = 0
        var t = 1.0
        var lastLoss = 0.0
        for it in 1...maxIterations {
            iterations = it
            // Probabilities at the look-ahead point `momentum`.
            let loss = forward(xb, momentum, n: n, p: p, k: k, y: y, probs: &probs, d: d)
            for r in 0..<n { probs[r * k + y[r]] -= 1 }            // P − Y
            // G = Xbᵀ (P − Y) + Λ W, then step = B⁻¹ G.
            xb.withUnsafeBufferPointer { xp in
                probs.withUnsafeBufferPointer { pp in
                    step.withUnsafeMutableBufferPointer { sp in
                        GEMM.multiplyATransposed(m: p, n: k, k: n, a: xp.baseAddress!, b: pp.baseAddress!, c: sp.baseAddress!)
                    }
                }
            }
            for i in 0..<p {
                let l = penalty(i, d: d)
                for c in 0..<k { gradient[i * k + c] = Double(step[i * k + c]) + l * Double(momentum[i * k + c]) }
            }
            bound.solve(&gradient, columns: k)
            for i in 0..<step.count { step[i] = Float(gradient[i]) }
            var next = momentum
            for i in 0..<next.count { next[i] -= step[i] }
            // Nesterov extrapolation, restarted whenever the loss goes up (keeps the descent monotone in practice).
            if loss > previousLoss {
                t = 1
                momentum = w
                continue
            }
            let tNext = (1 + (1 + 4 * t * t).squareRoot()) / 2
            let beta = Float((t - 1) / tNext)
            for i in 0..<next.count { momentum[i] = next[i] + beta * (next[i] - w[i]) }
            w = next
            t = tNext
            lastLoss = loss
            if previousLoss.isFinite && (previousLoss - loss) <= tolerance * abs(previousLoss) { break }
            previousLoss = loss
        }
        return Fit(weights: w, iterations: iterations, loss: lastLoss / Double(n))
    }

    /// The diagonal of Λ: λ on the weights' rows, a tiny ridge on the bias row (keeps B definite).
    private func penalty(_ row: Int, d: Int) -> Double { row < d ? lambda : 1e-6 }

    /// Softmax probabilities of `xb · w` into `probs`; returns the penalised loss.
    private func forward(_ xb: [Float], _ w: [Float], n: Int, p: Int, k: Int, y: [Int], probs: inout [Float], d: Int) -> Double {
        xb.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                probs.withUnsafeMutableBufferPointer { pp in
                    GEMM.multiply(m: n, n: k, k: p, a: xp.baseAddress!, b: wp.baseAddress!, c: pp.baseAddress!)
                }
            }
        }
        var loss = 0.0
        probs.withUnsafeMutableBufferPointer { pp in
            // n·K exponentials a step: split over the workers like the products around them.
            let parts = BLASThreads.chunks(n, parts: n >= 1024 ? BLASThreads.count : 1)
            let base = pp.baseAddress!
            BLASThreads.parallel(parts.count) { i in
                Softmax.rows(base + parts[i].lowerBound * k, rows: parts[i].count, cols: k)
            }
            for r in 0..<n { loss -= log(max(Double(pp[r * k + y[r]]), 1e-30)) }
        }
        var penalty = 0.0
        for i in 0..<(d * k) { penalty += Double(w[i]) * Double(w[i]) }
        return loss + 0.5 * lambda * penalty
    }
}

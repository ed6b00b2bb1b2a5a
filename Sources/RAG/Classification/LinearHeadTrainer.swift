// LinearHeadTrainer: the linear head of an index, fitted by multinomial logistic regression (SoftmaxRegression) on its embeddings.
public import LinearAlgebra
import Foundation

/// Fits `LinearHead` by minimising `-Σ log p(y_i | x_i) + λ/2 ‖W‖²` (the bias unpenalised) with
/// `SoftmaxRegression` (Böhning's bound, one Cholesky factor, Nesterov momentum), over the labels
/// in `LabelOrder`; a warm start (`start:`) shortens a λ path.
public struct LinearHeadTrainer: Sendable {
    /// The fit and its settings (λ, the most iterations, the tolerance).
    public var regression: SoftmaxRegression
    /// L2 penalty on the weights (sklearn's `C` is `1/λ`).
    public var lambda: Double { regression.lambda }

    public init(lambda: Double = 0.02, maxIterations: Int = 300, tolerance: Double = 1e-7) {
        regression = SoftmaxRegression(lambda: lambda, maxIterations: maxIterations, tolerance: tolerance)
    }

    /// What training did: iterations run and the final mean loss.
    public struct Report: Sendable {
        public var iterations: Int
        public var loss: Double
        public var trainingAccuracy: Double
    }

    /// Trains on `x` (`[n x d]`) and `labels[i]` for row i, from zero weights or from `start`
    /// (a head over the same labels and dimension: a warm start, as along a path of λ).
    public func train(_ x: Matrix, labels rowLabels: [String], start: LinearHead? = nil) throws -> (LinearHead, Report) {
        precondition(x.rows == rowLabels.count, "\(x.rows) rows, \(rowLabels.count) labels")
        let labels = LabelOrder.sorted(Set(rowLabels))
        guard labels.count >= 2 else { throw ClassificationError.tooFewClasses(labels.count) }
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let n = x.rows, d = x.cols, k = labels.count
        let y = rowLabels.map { index[$0]! }

        let fit: SoftmaxRegression.Fit
        do {
            let start = start.flatMap { $0.labels == labels && $0.dimension == d ? $0.weights : nil }
            fit = try regression.fit(x, classes: k, y: y, start: start)
        } catch {
            throw ClassificationError.trainingFailed("the bound matrix is not positive definite (\(error))")
        }
        let head = LinearHead(labels: labels, dimension: d, weights: fit.weights)
        let predicted = head.probabilities(x)
        var correct = 0
        for r in 0..<n {
            var best = 0
            for c in 1..<k where predicted[r, c] > predicted[r, best] { best = c }
            if best == y[r] { correct += 1 }
        }
        return (head, Report(iterations: fit.iterations, loss: fit.loss, trainingAccuracy: Double(correct) / Double(n)))
    }
}

// LinearHeadCrossValidation: picks the linear head's L2 penalty λ by k-fold cross-validation on the training rows.
public import LinearAlgebra
import Foundation

/// For each λ of `grid`, trains `LinearHeadTrainer` on k−1 folds and scores accuracy on the
/// remaining one, k times; the λ with the best mean accuracy wins (ties: the larger λ, the simpler
/// model). Folds come from a seeded shuffle, so the choice repeats.
public struct LinearHeadCrossValidation: Sendable {
    /// λ candidates (sklearn's C = 1/λ: this grid is C from 100 down to 1).
    public var grid: [Double]
    public var folds: Int
    public var seed: UInt64
    public var maxIterations: Int
    /// The fits that only rank λ stop when the loss falls by less than this fraction (the final head
    /// keeps `LinearHeadTrainer`'s own, tighter one): at 1e-7 every fold ran to `maxIterations`.
    public var tolerance: Double

    public init(grid: [Double] = [0.01, 0.03, 0.1, 0.3, 1], folds: Int = 3, seed: UInt64 = 0, maxIterations: Int = 300,
                tolerance: Double = 1e-5) {
        self.grid = grid
        self.folds = folds
        self.seed = seed
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    public struct Result: Sendable {
        public var lambda: Double
        /// Mean held-out accuracy of each λ, in grid order.
        public var scores: [(lambda: Double, accuracy: Double)]
    }

    public func select(_ x: Matrix, labels: [String], progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        precondition(x.rows == labels.count)
        let k = max(2, min(folds, x.rows))
        var order = Array(0..<x.rows)
        var rng = SplitMix64(seed: seed)
        order.shuffle(using: &rng)
        let parts = BLASThreads.chunks(order.count, parts: k).map { Array(order[$0]) }
        // Each fold walks the grid from the largest λ down, each fit starting from the previous
        // one's weights (the solutions move little between neighbouring λ): the same optima in
        // far fewer steps than from zero.
        var correct = [Int](repeating: 0, count: grid.count), total = [Int](repeating: 0, count: grid.count)
        let path = grid.indices.sorted { grid[$0] > grid[$1] }
        var done = 0
        for f in 0..<parts.count {
            let trainRows = parts.enumerated().filter { $0.offset != f }.flatMap(\.element)
            let trainLabels = trainRows.map { labels[$0] }
            // A fold whose training part lost a label still trains; that label is simply never predicted.
            guard Set(trainLabels).count >= 2 else { continue }
            let trainX = Self.rows(x, trainRows), heldOut = Self.rows(x, parts[f])
            var previous: LinearHead?
            for g in path {
                let (head, _) = try LinearHeadTrainer(lambda: grid[g], maxIterations: maxIterations, tolerance: tolerance).train(trainX, labels: trainLabels, start: previous)
                previous = head
                let probs = head.probabilities(heldOut)
                for (i, row) in parts[f].enumerated() where head.labels[OfflineClassifier.argmax(probs, row: i).0] == labels[row] {
                    correct[g] += 1
                }
                total[g] += parts[f].count
                done += 1
                progress(done, grid.count * parts.count)
            }
        }
        let scores = grid.indices.map { g in (lambda: grid[g], accuracy: total[g] > 0 ? Double(correct[g]) / Double(total[g]) : 0) }
        let best = scores.enumerated().max { a, b in
            a.element.accuracy != b.element.accuracy ? a.element.accuracy < b.element.accuracy : a.element.lambda < b.element.lambda
        }!
        return Result(lambda: best.element.lambda, scores: scores)
    }

    static func rows(_ x: Matrix, _ indices: [Int]) -> Matrix {
        var out = [Float]()
        out.reserveCapacity(indices.count * x.cols)
        for r in indices { out += x.row(r) }
        return Matrix(rows: indices.count, cols: x.cols, storage: out)
    }
}

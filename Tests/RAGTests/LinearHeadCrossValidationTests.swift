// LinearHeadCrossValidationTests: λ chosen by k-fold cross-validation is in the grid, repeats, and prefers what generalises.
import XCTest
import LinearAlgebra
import RAG

final class LinearHeadCrossValidationTests: XCTestCase {
    /// Three noisy clusters in 8 dimensions: separable, so every λ scores well held out.
    func data(noise: Float, seed: UInt64) -> (Matrix, [String]) {
        var rng = SplitMix64(seed: seed)
        func u() -> Float { Float(Double(rng.next() >> 11) / Double(1 << 53)) * 2 - 1 }
        var rows: [[Float]] = [], labels: [String] = []
        for i in 0..<90 {
            let c = i % 3
            rows.append((0..<8).map { j in (j == c ? 1 : 0) + noise * u() })
            labels.append("c\(c)")
        }
        return (Matrix(stacking: rows), labels)
    }

    func testPicksAGridValueRepeatablyAndScoresEveryLambda() throws {
        let (x, y) = data(noise: 0.3, seed: 1)
        let cv = LinearHeadCrossValidation(grid: [0.01, 1, 100], folds: 3)
        let a = try cv.select(x, labels: y), b = try cv.select(x, labels: y)
        XCTAssertEqual(a.lambda, b.lambda)
        XCTAssertEqual(a.scores.map(\.lambda), [0.01, 1, 100])
        XCTAssertTrue([0.01, 1, 100].contains(a.lambda))
        XCTAssertGreaterThan(a.scores.first { $0.lambda == a.lambda }!.accuracy, 0.95)
    }

    func testAHugePenaltyLosesToAModestOne() throws {
        // λ = 1e6 shrinks every weight to nothing: held-out accuracy falls to chance, so it is not chosen.
        let (x, y) = data(noise: 0.6, seed: 2)
        let r = try LinearHeadCrossValidation(grid: [0.1, 1e6], folds: 3).select(x, labels: y)
        XCTAssertEqual(r.lambda, 0.1)
        XCTAssertLessThan(r.scores[1].accuracy, r.scores[0].accuracy)
    }
}

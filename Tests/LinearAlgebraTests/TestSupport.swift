// TestSupport: seeded random matrices and difference measures shared by the LinearAlgebra tests.
import LinearAlgebra

typealias SeededGenerator = SplitMix64

extension Matrix {
    static func random(rows: Int, cols: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in Float.random(in: -1...1, using: &rng) })
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

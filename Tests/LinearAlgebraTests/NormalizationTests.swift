// NormalizationTests: rows come out unit length; zero rows stay zero.
import XCTest
import LinearAlgebra

final class NormalizationTests: XCTestCase {
    func testRowsHaveUnitNorm() {
        var rng = SeededGenerator(seed: 3)
        let m = Normalization.normalizedRows(Matrix.random(rows: 50, cols: 384, using: &rng))
        for r in 0..<m.rows {
            let n = m.row(r).reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            XCTAssertEqual(n, 1, accuracy: 1e-5)
        }
    }

    func testZeroRowStaysZero() {
        let m = Normalization.normalizedRows(Matrix(rows: 2, cols: 3, storage: [0, 0, 0, 3, 0, 4]))
        XCTAssertEqual(m.storage, [0, 0, 0, 0.6, 0, 0.8])
    }

    func testMatrixAppendAndSlicing() {
        var m = Matrix(rows: 0, cols: 2)
        m.append(rowsOf: Matrix(rows: 1, cols: 2, storage: [1, 2]))
        m.append(rowsOf: Matrix(rows: 2, cols: 2, storage: [3, 4, 5, 6]))
        XCTAssertEqual(m.rows, 3)
        XCTAssertEqual(m.rows(1..<3).storage, [3, 4, 5, 6])
        XCTAssertEqual(m.row(0), [1, 2])
    }
}

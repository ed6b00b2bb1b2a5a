// Cholesky: a symmetric positive definite matrix factored once by LAPACKE (dpotrf), then solved against many right-hand sides (dpotrs).
internal import CBLAS

/// `A = UᵀU` for a symmetric positive definite `[n x n]` matrix (row-major, Double). Factor once,
/// then `solve` costs `2n²` per right-hand side column: what a fixed-curvature Newton step needs.
public struct Cholesky: Sendable {
    public let size: Int
    private var factor: [Double]

    public enum Failure: Error, Sendable { case notPositiveDefinite(info: Int32) }

    /// Factors `matrix` (`[size x size]`, row-major; only its upper triangle is read).
    public init(_ matrix: [Double], size: Int) throws {
        precondition(matrix.count == size * size, "\(matrix.count) values for a \(size) x \(size) matrix")
        self.size = size
        factor = matrix
        let info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), Int32(size), &factor, Int32(size))
        guard info == 0 else { throw Failure.notPositiveDefinite(info: info) }
    }

    /// Overwrites `rhs` (`[size x columns]`, row-major) with `A⁻¹ rhs`.
    public func solve(_ rhs: inout [Double], columns: Int) {
        precondition(rhs.count == size * columns)
        guard columns > 0, size > 0 else { return }
        factor.withUnsafeBufferPointer { f in
            _ = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), Int32(size), Int32(columns), f.baseAddress!, Int32(size), &rhs, Int32(columns))
        }
    }
}

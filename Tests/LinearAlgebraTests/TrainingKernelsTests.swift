// TrainingKernelsTests: the training pass's kernels held to their scalar references (GELU and its derivative) and to their contracts (dropout masks).
import XCTest
import LinearAlgebra

final class TrainingKernelsTests: XCTestCase {
    func testDropoutMaskKeepsTheExpectedShareAndScale() {
        let n = 100_000
        let m = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { m.deallocate() }
        Dropout.mask(m, count: n, p: 0.1, scale: 1 / 0.9, seed: 1)
        let kept = (0..<n).filter { m[$0] != 0 }
        XCTAssertEqual(Double(kept.count) / Double(n), 0.9, accuracy: 0.005)
        XCTAssertTrue(kept.allSatisfy { m[$0] == 1 / Float(0.9) })
        // The mask depends on the seed only, not on the thread count.
        let before = Array(UnsafeBufferPointer(start: m, count: n))
        let threads = BLASThreads.count
        BLASThreads.set(1)
        defer { BLASThreads.set(threads) }
        Dropout.mask(m, count: n, p: 0.1, scale: 1 / 0.9, seed: 1)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: m, count: n)), before)
    }

    func testGELUBackwardMatchesTheScalarDerivative() {
        let xs: [Float] = stride(from: -12, through: 12, by: 0.01).map { Float($0) } + [0, 1e-7, -1e-7]
        var g = xs
        g.withUnsafeMutableBufferPointer { VectorKernels.biasGELU($0.baseAddress!, rows: 1, cols: xs.count, bias: nil) }
        var dy = [Float](repeating: 1, count: xs.count)
        var scratch = [Float](repeating: 0, count: 1536)
        GELU.backward(&dy, u: xs, g: g, count: xs.count, scratch: &scratch, scratchCount: scratch.count)
        for (i, x) in xs.enumerated() {
            XCTAssertEqual(g[i], GELU.value(x), accuracy: 2e-6 * max(1, abs(x)), "GELU(\(x))")
            XCTAssertEqual(dy[i], GELU.derivative(x), accuracy: 2e-6, "GELU'(\(x))")
        }
    }
}

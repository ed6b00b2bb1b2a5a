// GEMMTests: the sgemm path against the scalar reference over many shapes.
import XCTest
import Foundation
import LinearAlgebra

final class GEMMTests: XCTestCase {
    func testMultiplyTransposedMatchesReference() {
        var rng = SeededGenerator(seed: 7)
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 33, 384), (64, 1, 768), (1, 100, 384), (129, 257, 31)] {
            let a = Matrix.random(rows: m, cols: k, using: &rng)
            let b = Matrix.random(rows: n, cols: k, using: &rng)
            let fast = GEMM.multiplyTransposed(a, b)
            let slow = GEMM.referenceMultiplyTransposed(a, b)
            XCTAssertEqual(fast.rows, m)
            XCTAssertEqual(fast.cols, n)
            XCTAssertLessThan(maxAbsDifference(fast.storage, slow.storage), 1e-4, "shape \(m)x\(n)x\(k)")
        }
    }

    func testMultiplyMatchesTransposedForm() {
        var rng = SeededGenerator(seed: 8)
        let a = Matrix.random(rows: 9, cols: 13, using: &rng)
        let b = Matrix.random(rows: 13, cols: 6, using: &rng)
        var bt = Matrix(rows: 6, cols: 13)
        for i in 0..<13 { for j in 0..<6 { bt[j, i] = b[i, j] } }
        XCTAssertLessThan(maxAbsDifference(GEMM.multiply(a, b).storage, GEMM.referenceMultiplyTransposed(a, bt).storage), 1e-5)
    }

    func testZeroInnerDimensionScalesC() {
        var c: [Float] = [1, 2, 3, 4]
        let a: [Float] = [0], b: [Float] = [0]
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    GEMM.multiplyTransposed(m: 2, n: 2, k: 0, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!, beta: 0)
                }
            }
        }
        XCTAssertEqual(c, [0, 0, 0, 0])
    }

    func testThreadCountIsSettable() {
        let before = BLASThreads.count
        BLASThreads.set(1)
        XCTAssertEqual(BLASThreads.count, 1)
        BLASThreads.set(0)
        XCTAssertEqual(BLASThreads.count, 1, "clamped to at least one")
        BLASThreads.set(before)
    }

    /// Inside `onOneThread` the calling thread reads one thread (nested too, and back after);
    /// another thread meanwhile reads the set count.
    func testOnOneThreadHoldsForTheCallingThreadOnly() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        BLASThreads.set(2)
        let elsewhere = UncheckedSendable(Box())
        BLASThreads.onOneThread {
            XCTAssertEqual(BLASThreads.count, 1)
            BLASThreads.onOneThread { XCTAssertEqual(BLASThreads.count, 1) }
            XCTAssertEqual(BLASThreads.count, 1, "the inner call restores what the outer set")
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                elsewhere.value.count = BLASThreads.count
                done.signal()
            }
            thread.start()
            done.wait()
        }
        XCTAssertEqual(elsewhere.value.count, 2)
        XCTAssertEqual(BLASThreads.count, 2)
        // A product run inside it equals the split one.
        let a = Matrix(rows: 300, cols: 64, storage: (0..<(300 * 64)).map { Float(($0 * 37) % 101) / 101 - 0.5 })
        let b = Matrix(rows: 200, cols: 64, storage: (0..<(200 * 64)).map { Float(($0 * 53) % 97) / 97 - 0.5 })
        let split = GEMM.multiplyTransposed(a, b)
        let alone = BLASThreads.onOneThread { GEMM.multiplyTransposed(a, b) }
        let diff = zip(split.storage, alone.storage).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(diff, 1e-4)
    }

    final class Box { var count = 0 }
}

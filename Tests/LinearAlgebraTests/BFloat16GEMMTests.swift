// BFloat16GEMMTests: the bfloat16 product against a double loop over the same rounded values on every path (odd sizes, column splits over two threads, k = 0), and its closeness to the float32 product.
import XCTest
import LinearAlgebra

final class BFloat16GEMMTests: XCTestCase {
    static func rounded(_ x: [Float]) -> [Float] {
        var codes = [UInt16](repeating: 0, count: x.count)
        HalfFormat.bfloat16.encode(x, count: x.count, into: &codes)
        return codes.map { HalfFormat.bfloat16.decode($0) }
    }

    /// `C = A·Wᵀ` in double over A and W rounded to bfloat16 (the products every path multiplies).
    static func reference(_ a: [Float], _ w: [Float], m: Int, n: Int, k: Int) -> [Double] {
        let ra = rounded(a), rw = rounded(w)
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(ra[i * k + p]) * Double(rw[j * k + p]) }
                c[i * n + j] = s
            }
        }
        return c
    }

    static func random(_ count: Int, _ rng: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float(Int(rng.next() % 2001) - 1000) / 500 }
    }

    func testEveryPathEqualsTheDoubleLoopOverRoundedValues() {
        var rng = SplitMix64(seed: 11)
        // AVX-512 BF16 runs vdpbf16ps; the others decode and run the float32 small-M kernel of their instruction set.
        if !HalfPath.supported.contains(.avx512BF16) { print("BFloat16GEMMTests: this CPU has no AVX-512 BF16; the vdpbf16ps kernel is not run here") }
        for path in HalfPath.supported {
            for (m, n, k) in [(1, 1, 1), (3, 5, 7), (12, 32, 64), (13, 33, 65), (25, 70, 129), (130, 64, 384), (7, 384, 1)] {
                let a = Self.random(m * k, &rng), w = Self.random(n * k, &rng)
                let packed = BFloat16Weights(w, rows: n, cols: k)
                let want = Self.reference(a, w, m: m, n: n, k: k)
                // C wider than n, filled with a sentinel: nothing outside the m x n block is written.
                let ldc = n + 3
                var c = [Float](repeating: 4242, count: m * ldc)
                a.withUnsafeBufferPointer { pa in
                    c.withUnsafeMutableBufferPointer { pc in
                        GEMM.multiplyBFloat16(m: m, a: pa.baseAddress!, weights: packed, c: pc.baseAddress!, ldc: ldc, path: path)
                    }
                }
                for i in 0..<m {
                    for j in 0..<n {
                        XCTAssertEqual(Double(c[i * ldc + j]), want[i * n + j], accuracy: 1e-5 * Double(k) * 4,
                                       "\(path) \(m)x\(n)x\(k) at \(i),\(j)")
                    }
                    for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], 4242, "\(path) wrote past column \(n)") }
                }
            }
        }
    }

    /// Split by columns over two threads (a product above `GEMM.packedSplitWork`): the same values as one thread.
    func testTwoThreadsGiveTheOneThreadValues() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        var rng = SplitMix64(seed: 12)
        let (m, n, k) = (150, 200, 384)
        XCTAssertGreaterThan(m * n * k, GEMM.packedSplitWork)
        let a = Self.random(m * k, &rng), w = Self.random(n * k, &rng)
        let packed = BFloat16Weights(w, rows: n, cols: k)
        func product() -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { pa in
                c.withUnsafeMutableBufferPointer { GEMM.multiplyBFloat16(m: m, a: pa.baseAddress!, weights: packed, c: $0.baseAddress!) }
            }
            return c
        }
        BLASThreads.set(1)
        let one = product()
        BLASThreads.set(2)
        XCTAssertEqual(product().map(\.bitPattern), one.map(\.bitPattern))
    }

    /// Close to the float32 product: each input keeps 8 significant bits, so a dot product of k
    /// terms moves by about 2⁻⁸ of the sum of |products|.
    func testCloseToTheFloat32Product() {
        var rng = SplitMix64(seed: 13)
        let (m, n, k) = (20, 48, 384)
        let a = Self.random(m * k, &rng), w = Self.random(n * k, &rng)
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer {
                GEMM.multiplyBFloat16(m: m, a: pa.baseAddress!, weights: BFloat16Weights(w, rows: n, cols: k), c: $0.baseAddress!)
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var exact = 0.0, magnitude = 0.0
                for p in 0..<k {
                    exact += Double(a[i * k + p]) * Double(w[j * k + p])
                    magnitude += abs(Double(a[i * k + p]) * Double(w[j * k + p]))
                }
                XCTAssertEqual(Double(c[i * n + j]), exact, accuracy: magnitude / 256, "\(i),\(j)")
            }
        }
    }

    func testNoInnerDimensionGivesZeros() {
        let packed = BFloat16Weights([], rows: 3, cols: 0)
        var c = [Float](repeating: 9, count: 6)
        let a: [Float] = [0]
        for path in HalfPath.supported {
            a.withUnsafeBufferPointer { pa in
                c.withUnsafeMutableBufferPointer { GEMM.multiplyBFloat16(m: 2, a: pa.baseAddress!, weights: packed, c: $0.baseAddress!, path: path) }
            }
            XCTAssertEqual(c, [0, 0, 0, 0, 0, 0], "\(path)")
        }
    }
}

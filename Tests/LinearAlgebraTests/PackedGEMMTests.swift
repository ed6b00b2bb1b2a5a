// PackedGEMMTests: the packed small-M product on every SIMD path against a Double reference and against sgemm.
import XCTest
import LinearAlgebra

final class PackedGEMMTests: XCTestCase {
    var rng = SplitMix64(seed: 23)

    func random(_ n: Int) -> [Float] {
        (0..<n).map { _ in Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }
    }

    /// Odd shapes, strided A and C, every path; error bounded by 1e-5 · Σ|a·w| per entry, and the
    /// columns of C past n (the ldc padding) left alone.
    func testMatchesDoubleReference() {
        for path in SIMDPath.supported {
            for (m, n, k) in [(1, 1, 1), (1, 17, 3), (3, 33, 17), (5, 47, 63), (11, 1152, 384), (12, 100, 385),
                              (13, 31, 16), (25, 64, 7), (32, 384, 1536), (70, 65, 129), (130, 40, 33)] {
                let lda = k + 2, ldc = n + 3
                let a = random(m * lda), w = random(n * k)
                let packed = PackedWeights(w, rows: n, cols: k)
                var c = [Float](repeating: .nan, count: m * ldc)
                a.withUnsafeBufferPointer { pa in
                    c.withUnsafeMutableBufferPointer { pc in
                        GEMM.multiplyPacked(m: m, a: pa.baseAddress!, lda: lda, packed: packed, c: pc.baseAddress!, ldc: ldc, path: path)
                    }
                }
                for i in 0..<m {
                    for j in 0..<ldc {
                        if j >= n { XCTAssertTrue(c[i * ldc + j].isNaN, "\(path) \(m)x\(n)x\(k) wrote padding"); continue }
                        var want = 0.0, mag = 0.0
                        for p in 0..<k {
                            let t = Double(a[i * lda + p]) * Double(w[j * k + p])
                            want += t; mag += abs(t)
                        }
                        XCTAssertEqual(Double(c[i * ldc + j]), want, accuracy: 1e-5 * max(mag, 1e-30),
                                       "\(path) \(m)x\(n)x\(k) at \(i),\(j)")
                    }
                }
            }
        }
    }

    /// The routing entry gives the same product as sgemm on both sides of the row limit.
    func testRoutingMatchesSgemm() {
        let n = 96, k = 40
        let w = random(n * k)
        let packed = PackedWeights(w, rows: n, cols: k)
        XCTAssertEqual(packed.byteCount, 96 * 40 * 4)
        for m in [1, 11, GEMM.packedRowLimit, GEMM.packedRowLimit + 1] where m > 0 {
            let a = random(m * k)
            var got = [Float](repeating: 0, count: m * n), want = got
            w.withUnsafeBufferPointer { pw in
                GEMM.multiplyTransposed(m: m, a: a, packed: packed, unpacked: pw.baseAddress!, c: &got)
                GEMM.multiplyTransposed(m: m, n: n, k: k, a: a, b: pw.baseAddress!, c: &want)
            }
            for i in 0..<(m * n) { XCTAssertEqual(got[i], want[i], accuracy: 1e-4, "m \(m) at \(i)") }
        }
    }

    /// A product large enough to be split over threads gives the one-thread answer exactly (each
    /// column's sum runs in the same order whatever thread computes it).
    func testThreadSplitIsExact() {
        let m = 11, n = 1152, k = 384
        let a = random(m * k), packed = PackedWeights(random(n * k), rows: n, cols: k)
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        var one = [Float](repeating: 0, count: m * n), two = one
        BLASThreads.set(1)
        GEMM.multiplyPacked(m: m, a: a, packed: packed, c: &one)
        BLASThreads.set(2)
        GEMM.multiplyPacked(m: m, a: a, packed: packed, c: &two)
        XCTAssertEqual(one, two)
    }
}

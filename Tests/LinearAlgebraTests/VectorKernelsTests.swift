// VectorKernelsTests: every SIMD path this CPU runs against plain Double references (odd lengths, empty inputs).
import XCTest
import Foundation
import LinearAlgebra
import TestSupport

final class VectorKernelsTests: XCTestCase {
    var rng = SplitMix64(seed: 11)

    /// The kernels of an instruction set this CPU lacks cannot run here: said by name (the one skip CI keeps).
    func testEveryInstructionSetPathRunsOnThisCPU() throws {
        let missing = SIMDPath.allCases.filter { !SIMDPath.supported.contains($0) }
        if !missing.isEmpty {
            throw Requirement.hardware("this CPU lacks \(missing.map(\.description).joined(separator: ", ")): those kernels are not tested here (the other paths are)")
        }
    }

    func random(_ n: Int, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in (Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1) * scale }
    }

    func testEveryPathIsReportedAndOrdered() {
        XCTAssertEqual(SIMDPath.supported.first, .plain)
        XCTAssertTrue(SIMDPath.supported.contains(SIMDPath.current))
        XCTAssertLessThanOrEqual(SIMDPath.current.rawValue, SIMDPath.best.rawValue)
    }

    func testDotRowsMatchesReference() {
        for path in SIMDPath.supported {
            for dim in [1, 3, 7, 8, 15, 16, 17, 31, 33, 384, 385] {
                for n in [1, 3, 4, 5, 9] {
                    let rows = random(n * dim), q = random(dim)
                    var out = [Float](repeating: .nan, count: n + 1)
                    VectorKernels.dotRows(rows, count: n, dimension: dim, query: q, into: &out, path: path)
                    for i in 0..<n {
                        var want = 0.0
                        for c in 0..<dim { want += Double(rows[i * dim + c]) * Double(q[c]) }
                        XCTAssertEqual(Double(out[i]), want, accuracy: 1e-5 * max(1, Double(dim).squareRoot()),
                                       "\(path) dim \(dim) n \(n) row \(i)")
                    }
                    XCTAssertTrue(out[n].isNaN, "\(path) wrote past the end")
                }
            }
        }
    }

    func testEmptyInputsWriteNothing() {
        for path in SIMDPath.supported {
            var out: [Float] = [42]
            VectorKernels.dotRows([], count: 0, dimension: 384, query: [Float](repeating: 1, count: 384), into: &out, path: path)
            VectorKernels.dotRows([1, 2], count: 1, dimension: 0, query: [], into: &out, path: path)
            XCTAssertEqual(out[0], 0, "\(path): a zero-length dot product is 0")
            var x: [Float] = [7]
            VectorKernels.biasGELU(&x, rows: 0, cols: 1, bias: nil, path: path)
            VectorKernels.biasResidualLayerNorm(&x, rows: 1, cols: 0, bias: nil, residual: nil, gamma: [1], beta: [0], eps: 1e-12, path: path)
            XCTAssertEqual(x, [7], "\(path)")
        }
    }

    func testBiasGELUMatchesErf() {
        for path in SIMDPath.supported {
            let cols = 1001, rows = 3
            var x = (0..<(rows * cols)).map { Float($0 % cols) * 0.016 - 8 }
            let bias = random(cols, scale: 0.5)
            let expected = x.enumerated().map { i, v -> Float in
                let z = Double(v) + Double(bias[i % cols])
                return Float(0.5 * z * (1 + erf(z / 2.0.squareRoot())))
            }
            VectorKernels.biasGELU(&x, rows: rows, cols: cols, bias: bias, path: path)
            let diff = zip(x, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(diff, 2e-6, "\(path)")

            var plain = stride(from: -8.0 as Float, through: 8, by: 0.001).map { $0 }
            let want = plain.map { Float(0.5 * Double($0) * (1 + erf(Double($0) / 2.0.squareRoot()))) }
            VectorKernels.biasGELU(&plain, rows: 1, cols: plain.count, bias: nil, path: path)
            XCTAssertLessThan(zip(plain, want).map { abs($0 - $1) }.max()!, 2e-6, "\(path) without bias")
        }
    }

    func testLayerNormMatchesReference() {
        for path in SIMDPath.supported {
            for cols in [1, 5, 16, 17, 384, 385] {
                for (useBias, useResidual) in [(false, false), (true, false), (true, true), (false, true)] {
                    let rows = 3
                    let input = random(rows * cols, scale: 3), residual = random(rows * cols), bias = random(cols)
                    let gamma = random(cols), beta = random(cols)
                    var x = input
                    VectorKernels.biasResidualLayerNorm(&x, rows: rows, cols: cols, bias: useBias ? bias : nil,
                                                        residual: useResidual ? residual : nil, gamma: gamma, beta: beta,
                                                        eps: 1e-12, path: path)
                    for r in 0..<rows {
                        let v = (0..<cols).map { c -> Double in
                            Double(input[r * cols + c]) + (useBias ? Double(bias[c]) : 0) + (useResidual ? Double(residual[r * cols + c]) : 0)
                        }
                        let mean = v.reduce(0, +) / Double(cols)
                        let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
                        for c in 0..<cols {
                            let want = (v[c] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[c]) + Double(beta[c])
                            XCTAssertEqual(Double(x[r * cols + c]), want, accuracy: 2e-5,
                                           "\(path) cols \(cols) bias \(useBias) residual \(useResidual)")
                        }
                    }
                }
            }
        }
    }

    func testExpMatchesFoundation() {
        for path in SIMDPath.supported {
            var x = stride(from: -90.0 as Float, through: 88, by: 0.0137).map { $0 }
            let want = x.map { Foundation.exp(Double($0)) }
            VectorKernels.exp(&x, count: x.count, path: path)
            for (got, w) in zip(x, want) where w > 1e-37 {
                XCTAssertLessThan(abs(Double(got) - w) / w, 3e-7, "\(path) exp: \(got) vs \(w)")
            }
            XCTAssertEqual(Double(x[0]), Foundation.exp(-87.3), accuracy: 1e-43, "\(path): x below -87.3 is clamped")
        }
    }

    /// With and without MPNet's bias by relative position (`rel[j - i + n - 1]` added to each score).
    func testAttentionHeadMatchesReference() {
        for path in SIMDPath.supported {
            for (n, d) in [(1, 32), (2, 32), (7, 32), (16, 32), (17, 32), (40, 32), (5, 3), (19, 17), (1, 16), (33, 64), (32, 128), (9, 144), (70, 32), (130, 48)] {
              for biased in [false, true] {
                let ld = 3 * d + 5, ldo = d + 2
                let qkv = random(n * ld, scale: 2)
                let rel = random(2 * n - 1, scale: 3)
                var out = [Float](repeating: .nan, count: n * ldo)
                var scratch = [Float](repeating: .nan, count: (n + 16) * (d + 1))
                let scale = 1 / Float(d).squareRoot()
                qkv.withUnsafeBufferPointer { b in
                    rel.withUnsafeBufferPointer { r in
                        let q = b.baseAddress!
                        VectorKernels.attentionHead(q: q, k: q + d, v: q + 2 * d, ld: ld, tokens: n, headSize: d, scale: scale,
                                                    relativeBias: biased ? r.baseAddress! : nil, out: &out, ldo: ldo, scratch: &scratch, path: path)
                    }
                }
                for i in 0..<n {
                    var s = (0..<n).map { j -> Double in
                        (0..<d).reduce(0.0) { $0 + Double(qkv[i * ld + $1]) * Double(qkv[j * ld + d + $1]) } * Double(scale)
                            + (biased ? Double(rel[j - i + n - 1]) : 0)
                    }
                    let m = s.max()!
                    s = s.map { Foundation.exp($0 - m) }
                    let total = s.reduce(0, +)
                    for c in 0..<d {
                        let want = (0..<n).reduce(0.0) { $0 + s[$1] / total * Double(qkv[$1 * ld + 2 * d + c]) }
                        XCTAssertEqual(Double(out[i * ldo + c]), want, accuracy: 2e-6, "\(path) n \(n) d \(d) biased \(biased) row \(i) col \(c)")
                    }
                    for c in d..<ldo { XCTAssertTrue(out[i * ldo + c].isNaN, "\(path) wrote outside the head's columns") }
                }
              }
            }
        }
    }

    func testArgmaxRowsAndRunnerUpMatchALoopWithTiesAndNaN() {
        for path in SIMDPath.supported {
            for cols in [0, 1, 5, 15, 16, 17, 33, 1024, 1031] {
                let rows = 7, ld = cols + 3
                var s = random(rows * ld)
                if cols > 3 {
                    // Row 1: a tie between two columns (the first wins); row 2: NaN never wins;
                    // row 3: every value the same; row 4: nothing above -inf.
                    s[1 * ld + 2] = 5; s[1 * ld + cols - 1] = 5
                    s[2 * ld + 0] = .nan; s[2 * ld + 1] = 9
                    for c in 0..<cols { s[3 * ld + c] = 0.25 }
                    for c in 0..<cols { s[4 * ld + c] = -.infinity }
                }
                var index = [Int32](repeating: 99, count: rows), value = [Float](repeating: 99, count: rows)
                var second = [Float](repeating: 99, count: rows)
                VectorKernels.argmaxRows(s, rows: rows, cols: cols, ld: ld, index: &index, value: &value, path: path)
                var withSecond = [Int32](repeating: 99, count: rows), secondValue = [Float](repeating: 99, count: rows)
                VectorKernels.argmaxRows(s, rows: rows, cols: cols, ld: ld, index: &withSecond, value: &secondValue,
                                         second: &second, path: path)
                for r in 0..<rows {
                    var best = -Float.infinity, at: Int32 = -1
                    for c in 0..<cols where s[r * ld + c] > best { best = s[r * ld + c]; at = Int32(c) }
                    XCTAssertEqual(index[r], at, "\(path) cols \(cols) row \(r)")
                    XCTAssertEqual(value[r], best, "\(path) cols \(cols) row \(r)")
                    XCTAssertEqual(withSecond[r], at, "\(path) cols \(cols) row \(r): asking the runner-up changes the winner")
                    XCTAssertEqual(secondValue[r], best)
                    // The runner-up: the largest value at any index but the winner's (NaN skipped here;
                    // the kernel may let a NaN raise it, as row 2 allows).
                    var runnerUp = -Float.infinity
                    for c in 0..<cols where Int32(c) != at && s[r * ld + c] > runnerUp { runnerUp = s[r * ld + c] }
                    if r == 2 && cols > 3 {
                        XCTAssertGreaterThanOrEqual(second[r], runnerUp, "\(path) cols \(cols): NaN row")
                    } else {
                        XCTAssertEqual(second[r], runnerUp, "\(path) cols \(cols) row \(r)")
                    }
                }
            }
        }
    }
}

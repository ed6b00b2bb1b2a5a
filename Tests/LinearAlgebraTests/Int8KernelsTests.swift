// Int8KernelsTests: the 8-bit code dot products on every integer path this CPU runs, equal to a plain integer loop (extreme codes, odd lengths, empty inputs).
import XCTest
import LinearAlgebra

final class Int8KernelsTests: XCTestCase {
    func testEveryPathIsReportedAndOrdered() {
        XCTAssertEqual(Int8Path.supported.first, .plain)
        XCTAssertTrue(Int8Path.supported.contains(Int8Path.current))
        XCTAssertEqual(Int8Path.best.rawValue >= Int8Path.avx512.rawValue, SIMDPath.best == .avx512, "AVX-512 paths only where AVX-512 is")
    }

    func testCodeDotRowsEqualsTheIntegerLoopOnEveryPath() {
        var rng = SplitMix64(seed: 5)
        for path in Int8Path.supported {
            for dim in [1, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 384, 385, 768] {
                for n in [1, 3, 4, 5, 9] {
                    // A third of the rows at the extremes (255 against ±127), where a 16-bit sum would saturate.
                    let codes = (0..<(n * dim)).map { i in i % 3 == 0 ? UInt8(255) : UInt8(truncatingIfNeeded: rng.next()) }
                    let query = (0..<dim).map { c in c % 5 == 0 ? Int8(c % 2 == 0 ? 127 : -127) : Int8(truncatingIfNeeded: Int(rng.next() % 255) - 127) }
                    var out = [Int32](repeating: 12345, count: n + 1)
                    VectorKernels.codeDotRows(codes, count: n, dimension: dim, query: query, into: &out, path: path)
                    for i in 0..<n {
                        var want = 0
                        for c in 0..<dim { want += Int(codes[i * dim + c]) * Int(query[c]) }
                        XCTAssertEqual(Int(out[i]), want, "\(path) dim \(dim) n \(n) row \(i)")
                    }
                    XCTAssertEqual(out[n], 12345, "\(path) wrote past the end")
                }
            }
        }
    }

    func testFourQueriesAtOnceEqualFourSingleScans() {
        var rng = SplitMix64(seed: 6)
        for path in Int8Path.supported {
            for dim in [1, 17, 63, 64, 65, 384, 385] {
                for n in [1, 2, 3, 8, 9] {
                    let codes = (0..<(n * dim)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    let queries = (0..<(4 * dim)).map { _ in Int8(truncatingIfNeeded: Int(rng.next() % 255) - 127) }
                    let ldo = n + 2
                    var out = [Int32](repeating: 777, count: 4 * ldo)
                    VectorKernels.codeDotRows4(codes, count: n, dimension: dim, queries: queries, into: &out, ldo: ldo, path: path)
                    for j in 0..<4 {
                        var one = [Int32](repeating: 0, count: n)
                        queries.withUnsafeBufferPointer { q in
                            VectorKernels.codeDotRows(codes, count: n, dimension: dim, query: q.baseAddress! + j * dim, into: &one, path: .plain)
                        }
                        XCTAssertEqual(Array(out[(j * ldo)..<(j * ldo + n)]), one, "\(path) dim \(dim) n \(n) query \(j)")
                        XCTAssertEqual(out[j * ldo + n], 777, "\(path) wrote between queries")
                    }
                }
            }
        }
    }

    func testTheWidestRowsSumWithoutOverflow() {
        let dim = VectorKernels.maxCodeDimension
        let codes = [UInt8](repeating: 255, count: dim), query = [Int8](repeating: 127, count: dim)
        for path in Int8Path.supported {
            var out: [Int32] = [0]
            VectorKernels.codeDotRows(codes, count: 1, dimension: dim, query: query, into: &out, path: path)
            XCTAssertEqual(Int(out[0]), 255 * 127 * dim, "\(path)")
        }
    }

    func testEmptyInputsWriteNothingOrZero() {
        for path in Int8Path.supported {
            var out: [Int32] = [42]
            VectorKernels.codeDotRows([], count: 0, dimension: 384, query: [Int8](repeating: 1, count: 384), into: &out, path: path)
            XCTAssertEqual(out, [42], "\(path)")
            VectorKernels.codeDotRows([1, 2], count: 1, dimension: 0, query: [], into: &out, path: path)
            XCTAssertEqual(out, [0], "\(path): a zero-length dot product is 0")
        }
    }
}

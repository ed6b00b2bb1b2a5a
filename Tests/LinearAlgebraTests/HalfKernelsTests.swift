// HalfKernelsTests: float16 and bfloat16 codes: conversion equal to Swift's Float16 and to round-to-nearest-even, exact decoding, and the code dot products on every path against a double loop (odd lengths, empty inputs, four queries at once).
import XCTest
import LinearAlgebra

final class HalfKernelsTests: XCTestCase {
    /// Values that exercise every branch: zeros, subnormals of both formats, the ends of float16's
    /// range and past it, infinities, NaN, ties, and random floats of many magnitudes.
    static func awkwardFloats(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        var values: [Float] = [0, -0.0, 1, -1, 65_504, 65_519, 65_520, -65_520, 1e9, .infinity, -.infinity,
                               0x1p-24, 0x1p-25, 0x1p-24 * 0.75, 0x1p-14 * 0.999,   // float16's least subnormal, half of it, between; under its least normal
                               1 + 1.0 / 2048, 1 + 3.0 / 2048, 1 + 1.0 / 256, 1 + 3.0 / 256, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        while values.count < count {
            let bits = UInt32(truncatingIfNeeded: rng.next())
            let f = Float(bitPattern: bits)
            values.append(f.isNaN ? Float(bits % 1000) / 7 : f)
            values.append(Float(Int(rng.next() % 2_000_001) - 1_000_000) * 1e-6 * Float(1 << (rng.next() % 12)))
        }
        return values
    }

    #if !(os(macOS) && arch(x86_64))  // Swift's Float16 is not available there
    func testFloat16EncodingIsSwiftsFloat16() {
        let values = Self.awkwardFloats(20_000, seed: 1)
        var codes = [UInt16](repeating: 0, count: values.count)
        HalfFormat.float16.encode(values, count: values.count, into: &codes)
        for (v, c) in zip(values, codes) {
            XCTAssertEqual(c, Float16(v).bitPattern, "\(v)")
            XCTAssertEqual(HalfFormat.float16.decode(c).bitPattern, Float(Float16(bitPattern: c)).bitPattern, "\(v)")
        }
        var nan = [UInt16](repeating: 0, count: 1)
        HalfFormat.float16.encode([Float.nan], count: 1, into: &nan)
        XCTAssertTrue(HalfFormat.float16.decode(nan[0]).isNaN)
    }
    #endif

    func testBFloat16RoundsToNearestEvenAndDecodesExactly() {
        let values = Self.awkwardFloats(20_000, seed: 2)
        var codes = [UInt16](repeating: 0, count: values.count)
        HalfFormat.bfloat16.encode(values, count: values.count, into: &codes)
        for (v, c) in zip(values, codes) {
            let decoded = HalfFormat.bfloat16.decode(c)
            XCTAssertEqual(decoded.bitPattern, UInt32(c) << 16)
            guard v.isFinite else {
                XCTAssertEqual(decoded, v)
                continue
            }
            // The nearer of the two bfloat16 values around v, toward and away from zero (an exact
            // tie to the even one; away from the largest finite value is infinity, 2^128 as a distance).
            let toward = v.bitPattern & 0xffff_0000, away = toward &+ 0x1_0000
            func value(_ bits: UInt32) -> Double {
                bits & 0x7f80_0000 == 0x7f80_0000 ? (v < 0 ? -0x1p128 : 0x1p128) : Double(Float(bitPattern: bits))
            }
            let nearToward = abs(Double(v) - value(toward)), nearAway = abs(value(away) - Double(v))
            let want = nearToward < nearAway || (nearToward == nearAway && (toward >> 16) & 1 == 0) ? toward : away
            XCTAssertEqual(decoded.bitPattern, want, "\(v)")
        }
        var nan = [UInt16](repeating: 0, count: 2)
        HalfFormat.bfloat16.encode([Float.nan, Float(bitPattern: 0x7f80_0001)], count: 2, into: &nan)
        XCTAssertTrue(nan.allSatisfy { HalfFormat.bfloat16.decode($0).isNaN }, "a NaN whose payload is in the low half stays NaN")
    }

    /// The plain loop in double over the decoded codes.
    static func reference(_ codes: [UInt16], _ format: HalfFormat, n: Int, dim: Int, query: UnsafePointer<Float>) -> [Double] {
        (0..<n).map { i in (0..<dim).reduce(0.0) { $0 + Double(format.decode(codes[i * dim + $1])) * Double(query[$1]) } }
    }

    static func roundedToBFloat16(_ values: [Float]) -> [Float] {
        var codes = [UInt16](repeating: 0, count: values.count)
        HalfFormat.bfloat16.encode(values, count: values.count, into: &codes)
        return codes.map { HalfFormat.bfloat16.decode($0) }
    }

    func testEveryPathIsReportedAndOrdered() {
        XCTAssertEqual(HalfPath.supported.first, .plain)
        XCTAssertTrue(HalfPath.supported.contains(HalfPath.current))
        XCTAssertEqual(HalfPath.best.rawValue >= HalfPath.avx512.rawValue, SIMDPath.best == .avx512, "AVX-512 paths only where AVX-512 is")
    }

    func testHalfDotRowsEqualsTheDoubleLoopOnEveryPath() {
        var rng = SplitMix64(seed: 3)
        for format in HalfFormat.allCases {
            for path in HalfPath.supported {
                for dim in [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 127, 128, 129, 384, 385] {
                    for n in [0, 1, 2, 3, 5] {
                        let rows = (0..<(n * dim)).map { _ in Float(Int(rng.next() % 2001) - 1000) / 1000 }
                        let query = (0..<dim).map { _ in Float(Int(rng.next() % 2001) - 1000) / 1000 }
                        var codes = [UInt16](repeating: 0, count: n * dim)
                        format.encode(rows, count: rows.count, into: &codes)
                        var out = [Float](repeating: 12345, count: n + 1)
                        let prepared = HalfQueries(query, count: 1, dimension: dim, format: format, path: path)
                        VectorKernels.halfDotRows(codes, count: n, dimension: dim, queries: prepared, query: 0, into: &out)
                        // The BF16 path scores bfloat16 codes against the query rounded to bfloat16.
                        let rounded = format == .bfloat16 && path == .avx512BF16 ? Self.roundedToBFloat16(query) : query
                        let want = rounded.withUnsafeBufferPointer { Self.reference(codes, format, n: n, dim: dim, query: $0.baseAddress!) }
                        for i in 0..<n {
                            XCTAssertEqual(Double(out[i]), want[i], accuracy: 1e-5 * Double(dim), "\(format) \(path) dim \(dim) n \(n) row \(i)")
                        }
                        XCTAssertEqual(out[n], 12345, "\(format) \(path) wrote past the end")
                    }
                }
            }
        }
    }

    func testFourQueriesAtOnceEqualFourSingleScansBitForBit() {
        var rng = SplitMix64(seed: 4)
        for format in HalfFormat.allCases {
            for path in HalfPath.supported {
                for dim in [1, 15, 16, 17, 31, 33, 128, 384, 385, 4_100] {
                    for n in [1, 2, 3, 8, 9] {
                        let rows = (0..<(n * dim)).map { _ in Float(Int(rng.next() % 2001) - 1000) / 1000 }
                        let queries = (0..<(4 * dim)).map { _ in Float(Int(rng.next() % 2001) - 1000) / 1000 }
                        var codes = [UInt16](repeating: 0, count: n * dim)
                        format.encode(rows, count: rows.count, into: &codes)
                        let ldo = n + 2
                        var out = [Float](repeating: 777, count: 4 * ldo)
                        let prepared = HalfQueries(queries, count: 4, dimension: dim, format: format, path: path)
                        // Members in any order, one repeated (as a group of three is filled).
                        let members = [3, 1, 1, 0]
                        VectorKernels.halfDotRows4(codes, count: n, dimension: dim, queries: prepared, members: (3, 1, 1, 0), into: &out, ldo: ldo)
                        for (slot, j) in members.enumerated() {
                            // Bit for bit the one-query kernel's sums on the same path (a batch chooses what each query alone does).
                            var one = [Float](repeating: 0, count: n)
                            VectorKernels.halfDotRows(codes, count: n, dimension: dim, queries: prepared, query: j, into: &one)
                            XCTAssertEqual(Array(out[(slot * ldo)..<(slot * ldo + n)]).map(\.bitPattern), one.map(\.bitPattern),
                                           "\(format) \(path) dim \(dim) n \(n) query \(j)")
                            XCTAssertEqual(out[slot * ldo + n], 777, "\(format) \(path) wrote between queries")
                        }
                    }
                }
            }
        }
    }
}

// ConcurrentReadersTests: many threads querying one opened IndexStore (flat and IVF) get the serial answers.
import XCTest
import Foundation
import Dispatch
import LinearAlgebra
import VectorSearch

/// One `IndexStore` (mapped files) and its IVF part are shared by many threads, as a server
/// would share them. Each thread runs small batches of queries and compares ids, scores and the
/// documents' texts with the answers computed serially first. Run under Thread Sanitizer with
/// `swift test --sanitize=thread --filter ConcurrentReaders` (see RELIABILITY.md).
final class ConcurrentReadersTests: XCTestCase {
    static let d = 32
    static let all = clustered(4_200, d, clusters: 30, seed: 77)
    static let rows = all.rows(0..<4_000)
    static let queries = all.rows(4_000..<4_200)
    static let k = 10

    var folder: URL!

    /// `n` unit rows around `clusters` random centres (self-contained, so the file also builds in
    /// scripts/reliability/tsan, which links VectorSearch alone).
    static func clustered(_ n: Int, _ d: Int, clusters: Int, seed: UInt64) -> Matrix {
        var state = seed
        func next() -> Float {   // SplitMix64 -> [-1, 1)
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 23) - 1
        }
        let centres = (0..<(clusters * d)).map { _ in next() }
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            let c = i % clusters
            var norm: Float = 0
            for j in 0..<d {
                let v = centres[c * d + j] + 0.3 * next()
                values[i * d + j] = v
                norm += v * v
            }
            for j in 0..<d { values[i * d + j] /= norm.squareRoot() }
        }
        return Matrix(rows: n, cols: d, storage: values)
    }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-concurrent-\(UUID().uuidString)")
        let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: Self.d)
        let docs = (0..<Self.rows.rows).map { Document(sourceRow: $0, text: "row \($0)", label: "l\($0 % 7)", id: "row-\($0)") }
        try writer.append(Self.rows, documents: docs)
        try IVFIndex.build(in: writer, listCount: 32, targetRecall: nil)
        try writer.commit()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Collects mismatches from many threads.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        private var checked = 0
        func add(_ m: String) { lock.lock(); messages.append(m); lock.unlock() }
        func count(_ n: Int) { lock.lock(); checked += n; lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
        var total: Int { lock.lock(); defer { lock.unlock() }; return checked }
    }

    /// `threads` workers each run `rounds` batches of 1...8 queries (a worker-specific schedule);
    /// the same schedule is first run serially, and every concurrent result (ids, scores, texts)
    /// must equal its serial twin exactly. Same batches on both sides, so sgemm's batch-size-
    /// dependent rounding cannot make a near-tie differ.
    func checkConcurrent(name: String, threads: Int = 8, rounds: Int = 40,
                         search: @escaping @Sendable (Matrix) -> SearchResult,
                         text: @escaping @Sendable (Int) -> String) {
        let q = Self.queries
        let schedule: [[Range<Int>]] = (0..<threads).map { t in
            var start = (t * 37) % q.rows
            return (0..<rounds).map { round in
                let end = min(q.rows, start + 1 + (t + round) % 8)
                defer { start = end >= q.rows ? (start + 13) % q.rows : end }
                return start..<end
            }
        }
        let expected: [[(SearchResult, [String])]] = schedule.map { ranges in
            ranges.map { r in
                let result = search(q.rows(r))
                return (result, result.ids.map { $0 >= 0 ? text($0) : "" })
            }
        }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for (round, r) in schedule[t].enumerated() {
                let result = search(q.rows(r))
                let (want, wantTexts) = expected[t][round]
                if result != want {
                    failures.add("\(name) thread \(t) round \(round) queries \(r): \(result.ids) vs \(want.ids)")
                } else if result.ids.map({ $0 >= 0 ? text($0) : "" }) != wantTexts {
                    failures.add("\(name) thread \(t) round \(round): texts differ")
                }
                failures.count(r.count)
            }
        }
        XCTAssertEqual(failures.all, [], "\(failures.all.count) mismatches")
        XCTAssertEqual(failures.total, schedule.joined().map(\.count).reduce(0, +))
    }

    func testFlatConcurrentEqualsSerial() throws {
        let store = try IndexStore(opening: folder)
        checkConcurrent(name: "flat", search: { store.flat.search($0, k: Self.k) },
                        text: { store.documents.document($0).text })
    }

    func testIVFConcurrentEqualsSerial() throws {
        let store = try IndexStore(opening: folder)
        let ivf = try store.ivf()
        for nprobe in [1, 4, 32] {
            let p = SearchParameters(nprobe: nprobe)
            checkConcurrent(name: "ivf nprobe \(nprobe)", search: { ivf.search($0, k: Self.k, parameters: p) },
                            text: { store.documents.document($0).text })
        }
    }

    /// Threads that open the same folder themselves (each its own mapping) agree with one another.
    func testIndependentOpensAgree() throws {
        let expected = try IndexStore(opening: folder).flat.search(Self.queries, k: Self.k)
        let failures = Failures()
        let folder = self.folder!
        DispatchQueue.concurrentPerform(iterations: 6) { t in
            do {
                let store = try IndexStore(opening: folder)
                let ivf = try store.ivf()
                let flat = store.flat.search(Self.queries, k: Self.k)
                if flat != expected { failures.add("thread \(t): flat differs") }
                let exact = ivf.search(Self.queries, k: Self.k, parameters: SearchParameters(nprobe: ivf.listCount))
                if exact.ids != expected.ids && zip(exact.scores, expected.scores).contains(where: { abs($0 - $1) > 1e-5 }) {
                    failures.add("thread \(t): ivf at nprobe = nlist differs from flat")
                }
            } catch {
                failures.add("thread \(t): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
    }
}

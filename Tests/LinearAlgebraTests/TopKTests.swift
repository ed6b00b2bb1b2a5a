// TopKTests: bounded selection against a full sort, ties to the lower id, NaN ignored.
import XCTest
import LinearAlgebra

final class TopKTests: XCTestCase {
    func testMatchesFullSortOnRandomStreams() {
        var rng = SeededGenerator(seed: 1)
        for trial in 0..<200 {
            let n = Int.random(in: 0...300, using: &rng)
            let k = Int.random(in: 0...20, using: &rng)
            // Few distinct values so ties are common.
            let scores = (0..<n).map { _ in Float(Int.random(in: 0...15, using: &rng)) / 4 }
            var heap = TopK(k: k)
            for (i, s) in scores.enumerated() { heap.push(score: s, id: i) }
            let expected = scores.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
                .prefix(k).map { $0.offset }
            XCTAssertEqual(heap.sorted().map(\.id), Array(expected), "trial \(trial)")
        }
    }

    func testNaNIsIgnoredAndZeroKKeepsNothing() {
        var heap = TopK(k: 2)
        heap.push(score: .nan, id: 0)
        heap.push(score: 1, id: 1)
        XCTAssertEqual(heap.sorted().map(\.id), [1])
        var none = TopK(k: 0)
        none.push(score: 5, id: 3)
        XCTAssertTrue(none.sorted().isEmpty)
    }

    func testThresholdIsWorstKept() {
        var heap = TopK(k: 2)
        XCTAssertEqual(heap.threshold, -.infinity)
        heap.push(score: 3, id: 0)
        heap.push(score: 1, id: 1)
        heap.push(score: 2, id: 2)
        XCTAssertEqual(heap.threshold, 2)
    }
}

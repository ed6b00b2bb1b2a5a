// ClassifierTests: the neighbour vote's rules, the head's training (loss, accuracy, storage) and the predictions file reader.
import XCTest
import Foundation
import LinearAlgebra
import VectorSearch
import RAG

final class ClassifierTests: XCTestCase {
    func n(_ rank: Int, _ score: Float, _ label: String?) -> Neighbour {
        Neighbour(rank: rank, score: score, document: Document(row: rank, sourceRow: rank, text: "t\(rank)", label: label))
    }

    func testVoteIsSimilarityWeighted() {
        // Two weak votes for a lose to one strong and one medium vote for b.
        let v = NeighbourVote().vote([n(1, 0.9, "b"), n(2, 0.5, "a"), n(3, 0.45, "a"), n(4, 0.2, "b")])!
        XCTAssertEqual(v.label, "b")
        XCTAssertEqual(v.confidence, 1.1 / 2.05, accuracy: 1e-6)
    }

    func testVoteTiesGoToMoreVotesThenBetterRank() {
        XCTAssertEqual(NeighbourVote().vote([n(1, 0.5, "a"), n(2, 0.25, "b"), n(3, 0.25, "b")])!.label, "b")
        XCTAssertEqual(NeighbourVote().vote([n(1, 0.5, "a"), n(2, 0.5, "b")])!.label, "a")
        XCTAssertEqual(NeighbourVote().vote([n(1, 0.5, "z"), n(2, 0.5, "a")])!.label, "z")
        XCTAssertNil(NeighbourVote().vote([n(1, 0.5, nil)]))
        XCTAssertEqual(NeighbourVote().vote([n(1, -0.5, "neg")])!.label, "neg", "negative similarities still name a label")
    }

    /// Three well-separated Gaussian blobs in 16 dimensions.
    func blobs(_ perClass: Int, seed: UInt64) -> (Matrix, [String]) {
        var rng = SplitMix64(seed: seed)
        var rows: [[Float]] = [], labels: [String] = []
        for (c, name) in ["alpha", "beta", "gamma"].enumerated() {
            for _ in 0..<perClass {
                var v = (0..<16).map { _ in Float.random(in: -0.3...0.3, using: &rng) }
                v[c] += 1
                rows.append(v)
                labels.append(name)
            }
        }
        return (Normalization.normalizedRows(Matrix(stacking: rows)), labels)
    }

    func testHeadLearnsSeparableClassesAndLossFalls() throws {
        let (x, y) = blobs(60, seed: 1)
        let short = try LinearHeadTrainer(lambda: 0.01, maxIterations: 3).train(x, labels: y).1
        let (head, report) = try LinearHeadTrainer(lambda: 0.01, maxIterations: 200).train(x, labels: y)
        XCTAssertLessThan(report.loss, short.loss, "more steps must not raise the loss")
        XCTAssertGreaterThan(report.trainingAccuracy, 0.99)
        XCTAssertEqual(head.labels, ["alpha", "beta", "gamma"])
        let (test, gold) = blobs(30, seed: 2)
        let p = head.probabilities(test)
        var correct = 0
        for r in 0..<test.rows {
            XCTAssertEqual(p.row(r).reduce(0, +), 1, accuracy: 1e-4)
            let best = (0..<3).max { p[r, $0] < p[r, $1] }!
            if head.labels[best] == gold[r] { correct += 1 }
        }
        XCTAssertGreaterThan(Double(correct) / Double(test.rows), 0.95)
    }

    func testHeadNeedsTwoClasses() {
        XCTAssertThrowsError(try LinearHeadTrainer().train(Matrix(rows: 2, cols: 2, storage: [1, 0, 0, 1]), labels: ["a", "a"])) { e in
            XCTAssertEqual(e as? ClassificationError, .tooFewClasses(1))
        }
    }

    func testHeadRoundTripsThroughTheIndex() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-head-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (x, y) = blobs(10, seed: 3)
        let writer = try IndexWriter(folder: folder, embedder: "test", dimension: 16)
        try writer.append(x, documents: y.enumerated().map { Document(sourceRow: $0, text: "r\($0)", label: $1, id: "r\($0)") })
        try writer.commit()
        var store = try IndexStore(opening: folder)
        XCTAssertNil(try LinearHead.load(from: FolderVectorStore(store)))
        let head = try LinearHeadTrainer(maxIterations: 20).train(x, labels: y).0
        let update = try IndexWriter(updating: store, appendingRows: false)
        try head.write(to: update, settings: ["head.lambda": "0.02"])
        try update.commit()
        store = try IndexStore(opening: folder)
        XCTAssertEqual(try LinearHead.load(from: FolderVectorStore(store)), head)
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
    }

    func testPredictionsFileSkipsATruncatedLastLineOnly() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("preds-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let good = #"{"row":0,"text":"a","gold":"x","predicted":"x","confidence":1,"method":"knn"}"#
        try (good + "\n" + good.replacingOccurrences(of: "\"row\":0", with: "\"row\":1") + "\n" + #"{"row":2,"text":"b","go"#)
            .write(to: url, atomically: true, encoding: .utf8)
        let contents = try PredictionsFile.read(url)
        XCTAssertEqual(contents.predictions.map(\.row), [0, 1])
        XCTAssertEqual(contents.warnings, ["\(url.relativePath):3: the last line is incomplete (an interrupted run?); it was skipped"])
        try (#"{"row":2,"text":"b","go"# + "\n" + good + "\n").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PredictionsFile.read(url)) { e in
            XCTAssertEqual((e as? LocalizedError)?.errorDescription, "\(url.relativePath):1: not a prediction object (invalid JSON)")
        }
        try "".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PredictionsFile.read(url))
    }
}

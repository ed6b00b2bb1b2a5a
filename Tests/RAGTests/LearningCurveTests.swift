// LearningCurveTests: stratified draws are seeded, nested, capped and drawn from stored rows only; a curve's points equal the single runs they summarise.
import Foundation
import XCTest
import RAG
import TestSupport
import TextEmbedding
import VectorSearch

final class LearningCurveTests: XCTestCase {
    func testDrawsAreSeededNestedCappedAndLabelledOnly() {
        let labels: [String?] = (0..<70).map { i in i % 7 == 0 ? nil : "l\(i % 5)" } + ["rare"]
        let three = StratifiedDraw(labels: labels, perLabel: 3, seed: 1)
        XCTAssertEqual(three, StratifiedDraw(labels: labels, perLabel: 3, seed: 1), "the same seed draws the same rows")
        XCTAssertNotEqual(three.rows, StratifiedDraw(labels: labels, perLabel: 3, seed: 2).rows)
        XCTAssertEqual(three.perLabelCounts, ["l0": 3, "l1": 3, "l2": 3, "l3": 3, "l4": 3, "rare": 1])
        XCTAssertEqual(three.capped, ["rare"])
        XCTAssertEqual(three.rows, three.rows.sorted())
        XCTAssertTrue(three.rows.allSatisfy { labels[$0] != nil }, "unlabelled rows are never drawn")
        for (label, n) in three.perLabelCounts { XCTAssertEqual(three.rows.filter { labels[$0] == label }.count, n, label) }
        XCTAssertTrue(Set(three.rows).isSubset(of: StratifiedDraw(labels: labels, perLabel: 6, seed: 1).rows), "one seed's draws are nested")
        let all = StratifiedDraw(labels: labels, perLabel: nil, seed: 5)
        XCTAssertEqual(all.rows, labels.indices.filter { labels[$0] != nil })
        XCTAssertEqual(all.capped, [])
        XCTAssertEqual(StratifiedDraw(labels: labels, perLabel: 100, seed: 0).rows, all.rows, "a count above every label's rows takes them all")
        XCTAssertEqual(StratifiedDraw(labels: labels, perLabel: 100, seed: 0).capped, ["l0", "l1", "l2", "l3", "l4", "rare"])
    }

    func testCurvePointsEqualTheSingleRunsTheySummarise() throws {
        let dir = try SharedFixtures.temporaryFolder("curve")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let csv = try SharedFixtures.trainCSV(rows: 800, in: dir)
        let stored = try Dataset(url: csv).readAll()
        let workspace = try Workspace.build(from: Dataset(url: csv), into: dir.appendingPathComponent("index"), embedder: .hashing)
        let evaluation = Array(try Dataset(url: Repository.data("test.csv")).readAll().prefix(300))
        let curve = try workspace.learningCurve(evaluation, examplesPerLabel: [2, 1, nil], seeds: 2)
        XCTAssertEqual(curve.perLabelValues, [1, 2, nil])
        XCTAssertEqual(curve.points.count, 3 * (2 + 2 + 1), "one draw at all, 2 seeds below")
        XCTAssertEqual(curve.techniques, ["zero-shot", "knn", "head"])

        for (perLabel, seed) in [(2, 1), (nil, 0)] as [(Int?, Int)] {
            let draw = StratifiedDraw(labels: stored.map(\.label), perLabel: perLabel, seed: UInt64(seed))
            // The same rows as an index of their own, compared the usual way (a head trained for the table at the default λ).
            let sub = dir.appendingPathComponent("draw-\(perLabel ?? 0)-\(seed)")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try SharedFixtures.writeCSV(draw.rows.map { stored[$0] }, to: sub.appendingPathComponent("train.csv"))
            let single = try Workspace.build(from: Dataset(url: sub.appendingPathComponent("train.csv")),
                                             into: sub.appendingPathComponent("index"), embedder: .hashing)
            let table = try single.compare(evaluation)
            for method in ["zero-shot", "knn", "head"] {
                let point = try XCTUnwrap(curve.points.first { $0.technique == method && $0.perLabel == perLabel && $0.seed == seed })
                let row = try XCTUnwrap(table.rows.first { $0.method == method })
                XCTAssertEqual(point.accuracy, row.accuracy, "\(method) at \(perLabel ?? 0) per label, seed \(seed)")
                XCTAssertEqual(point.macroF1, row.macroF1, "\(method) at \(perLabel ?? 0) per label, seed \(seed)")
                XCTAssertEqual(point.rows, draw.rows.count)
                XCTAssertEqual(point.cappedLabels.count, draw.capped.count)
            }
        }
        let summary = try XCTUnwrap(curve.summaries.first { $0.technique == "knn" && $0.perLabel == 2 })
        let knn2 = curve.points.filter { $0.technique == "knn" && $0.perLabel == 2 }.map(\.accuracy)
        XCTAssertEqual(summary.accuracy, knn2.reduce(0, +) / 2, accuracy: 1e-12)
        XCTAssertEqual(summary.accuracySD, abs(knn2[0] - knn2[1]) / 2.squareRoot(), accuracy: 1e-12)

        // JSON: a list of objects, "all" for every row; CSV with a header pandas reads.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(curve)) as! [[String: Any]]
        XCTAssertEqual(json.count, curve.points.count)
        XCTAssertEqual(Set(json[0].keys), ["technique", "per_label", "seed", "accuracy", "macro_f1", "seconds", "rows", "capped_labels"])
        XCTAssertEqual(json.last?["per_label"] as? String, "all")
        XCTAssertEqual(try JSONDecoder().decode([LearningCurve.Point].self, from: JSONEncoder().encode(curve)), curve.points)
        let lines = curve.csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "technique,per_label,seed,accuracy,macro_f1,seconds,rows,capped_labels")
        XCTAssertEqual(lines.count, curve.points.count + 1)
        XCTAssertTrue(lines.last!.hasPrefix("head,all,0,"), String(lines.last!))
        // An index without labels has nothing to draw: said as such, not as a filter that matched nothing.
        try "text\nhello there\ngood bye\n".write(to: dir.appendingPathComponent("plain.csv"), atomically: true, encoding: .utf8)
        let plain = try Workspace.build(from: Dataset(url: dir.appendingPathComponent("plain.csv"), labelColumn: nil),
                                        into: dir.appendingPathComponent("plain"), embedder: .hashing)
        XCTAssertThrowsError(try plain.learningCurve(evaluation, examplesPerLabel: [2])) {
            XCTAssertEqual($0 as? ClassificationError, .noLabels(index: plain.location))
        }
        XCTAssertThrowsError(try workspace.learningCurve(evaluation, examplesPerLabel: [2], methods: [.finetuned])) {
            XCTAssertEqual($0 as? ClassificationError, .notInCurves(method: "finetuned"))
        }
    }

    /// The fine-tuned points (a small random BERT folder) equal fine-tuning on the drawn rows, an
    /// index built with the result, and `classify` with the fine-tuned methods: with the softmax
    /// objective at 1 row per label, with the contrastive one at 2 (pairs to pull together).
    func testFineTunedPointsEqualAFineTuningOfTheDrawnRows() throws {
        let model = try EncoderFixtures.folder("bert-uncased-mean")
        let dir = try SharedFixtures.temporaryFolder("curve-ft")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let csv = try SharedFixtures.trainCSV(rows: 150, in: dir)
        let stored = try Dataset(url: csv).readAll()
        let workspace = try Workspace.build(from: Dataset(url: csv), into: dir.appendingPathComponent("index"),
                                            embedder: .encoder(modelDir: model.path))
        let evaluation = Array(try Dataset(url: Repository.data("test.csv")).readAll().prefix(40))
        for (objective, perLabel) in [(FineTuneRecipe.Objective.softmax, 1), (.contrastive, 2)] {
            var recipe = Workspace.curveFineTuning(objective: objective)
            XCTAssertEqual(recipe.validationFraction, 0)
            recipe.epochs = 1
            recipe.batchSize = 8
            var started: [Int] = []
            let curve = try workspace.learningCurve(evaluation, examplesPerLabel: [perLabel], seeds: 1, methods: [.finetuned, .finetunedBlend],
                                                    fineTuning: recipe, fineTuningStarted: { _, _, rows in started.append(rows) })
            XCTAssertEqual(curve.techniques, ["finetuned", "finetuned-blend"])
            let draw = StratifiedDraw(labels: stored.map(\.label), perLabel: perLabel, seed: 0)
            XCTAssertEqual(started, [draw.rows.count])

            let name = objective.rawValue
            try SharedFixtures.writeCSV(draw.rows.map { stored[$0] }, to: dir.appendingPathComponent("drawn-\(name).csv"))
            let tuned = dir.appendingPathComponent("tuned-\(name)")
            _ = try EncoderFineTuner(recipe: recipe).train(texts: draw.rows.map { stored[$0].text }, labels: draw.rows.map { stored[$0].label! },
                                                           baseModel: model, output: tuned)
            let single = try Workspace.build(from: Dataset(url: dir.appendingPathComponent("drawn-\(name).csv")),
                                             into: dir.appendingPathComponent("index-\(name)"), embedder: .encoder(modelDir: tuned.path))
            XCTAssertEqual(single.fineTunedHead?.normalisesInput, objective == .contrastive, name)
            for method in [OfflineClassifier.Method.finetuned, .finetunedBlend] {
                let predictions = try single.classify(evaluation, method: method)
                let accuracy = Double(predictions.filter { $0.gold == $0.predicted }.count) / Double(predictions.count)
                XCTAssertEqual(curve.points.first { $0.technique == method.rawValue }?.accuracy, accuracy, "\(name) \(method.rawValue)")
            }
        }
    }

    func testCountsParseInOrderAndRefuseWhatIsNotACount() throws {
        XCTAssertEqual(try LearningCurve.examplesPerLabel(parsing: "2,4,8,16,32,all"), [2, 4, 8, 16, 32, nil])
        XCTAssertEqual(try LearningCurve.examplesPerLabel(parsing: " 8 , ALL,1"), [8, nil, 1])
        for (text, error) in [("0", LearningCurve.CountsError.notACount(part: "0", in: "0")), ("2,-1", .notACount(part: "-1", in: "2,-1")),
                              ("", .notACount(part: "", in: "")), ("4,,8", .notACount(part: "", in: "4,,8")), ("1.5", .notACount(part: "1.5", in: "1.5")),
                              ("all,2,all", .repeated(part: "all", in: "all,2,all")), ("3, 3", .repeated(part: "3", in: "3, 3"))] {
            XCTAssertThrowsError(try LearningCurve.examplesPerLabel(parsing: text), text) { XCTAssertEqual($0 as? LearningCurve.CountsError, error, text) }
        }
    }

    func testCheapestNearBestPicksTheFastestWithinAPoint() {
        func p(_ t: String, _ n: Int?, _ acc: Double, _ s: Double) -> LearningCurve.Point {
            LearningCurve.Point(technique: t, perLabel: n, seed: 0, accuracy: acc, macroF1: acc, seconds: s, rows: 1, cappedLabels: [:])
        }
        let curve = LearningCurve(points: [p("knn", 2, 0.50, 0.1), p("head", 2, 0.505, 3), p("knn", nil, 0.60, 0.2), p("head", nil, 0.70, 5)])
        let picks = curve.cheapestNearBest()
        XCTAssertEqual(picks.map(\.technique), ["knn", "head"])
        XCTAssertEqual(picks.map(\.best), ["head", "head"])
        XCTAssertEqual(picks.map(\.perLabel), [2, nil])
    }
}

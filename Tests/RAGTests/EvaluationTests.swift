// EvaluationTests: ClassificationReport and ConfusionMatrix held to scikit-learn's numbers, their invariants, and the HTML page.
import Foundation
import XCTest
import RAG

final class EvaluationTests: XCTestCase {
    // MARK: Fixture (written by scripts/fixtures/metrics-fixture.py)

    private struct Row: Decodable {
        let gold: String
        let predicted: String
    }

    private struct Sklearn: Decodable {
        struct Average: Decodable { let precision, recall, f1: Double }
        struct PerClass: Decodable {
            let label: String
            let precision, recall, f1: Double
            let support: Int
        }
        struct Confusion: Decodable {
            let labels: [String]
            let counts: [[Int]]
        }
        let sklearnVersion: String
        let count: Int
        let labels: [String]
        let accuracy: Double
        let macro: Average
        let weighted: Average
        let perClass: [PerClass]
        let confusion: Confusion
        let validLabels: [String]?
        let invalidCount: Int?

        enum CodingKeys: String, CodingKey {
            case sklearnVersion = "sklearn_version", perClass = "per_class"
            case validLabels = "valid_labels", invalidCount = "invalid_count"
            case count, labels, accuracy, macro, weighted, confusion
        }
    }

    private func fixture(_ file: String) -> URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("metrics/\(file)")
    }

    private func rows(_ name: String) throws -> [Row] {
        let text = try String(contentsOf: fixture("\(name).jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
    }

    private func sklearn(_ name: String) throws -> Sklearn {
        try JSONDecoder().decode(Sklearn.self, from: Data(contentsOf: fixture("\(name).json")))
    }

    /// Compares every named number, failing once with the largest difference and where it is.
    private func assertAllClose(_ values: [(name: String, swift: Double, sklearn: Double)], tolerance: Double = 1e-12,
                                file: StaticString = #filePath, line: UInt = #line) {
        guard let worst = values.max(by: { abs($0.swift - $0.sklearn) < abs($1.swift - $1.sklearn) }) else { return }
        let diff = abs(worst.swift - worst.sklearn)
        XCTAssertLessThanOrEqual(diff, tolerance,
                                 "largest difference \(diff) at \(worst.name): swift \(worst.swift), sklearn \(worst.sklearn)",
                                 file: file, line: line)
    }

    /// Labels compared as sklearn compares them: code points, not Swift's canonical equivalence.
    private func scalars(_ labels: [String]) -> [[UInt32]] {
        labels.map { $0.unicodeScalars.map(\.value) }
    }

    private func checkAgainstSklearn(_ name: String) throws {
        let data = try rows(name)
        let expected = try sklearn(name)
        let report = try ClassificationReport(gold: data.map(\.gold), predicted: data.map(\.predicted),
                                              validLabels: expected.validLabels.map(Set.init))
        let confusion = try ConfusionMatrix(gold: data.map(\.gold), predicted: data.map(\.predicted))

        XCTAssertEqual(report.count, expected.count)
        XCTAssertEqual(scalars(report.labels), scalars(expected.labels), "label order differs from sklearn's unique_labels")
        XCTAssertEqual(scalars(confusion.labels), scalars(expected.confusion.labels))
        XCTAssertEqual(confusion.counts, expected.confusion.counts)
        XCTAssertEqual(report.perClass.map(\.support), expected.perClass.map(\.support))
        if let invalid = expected.invalidCount { XCTAssertEqual(report.invalidCount, invalid) }

        var values: [(name: String, swift: Double, sklearn: Double)] = [
            ("accuracy", report.accuracy, expected.accuracy),
            ("macro precision", report.macro.precision, expected.macro.precision),
            ("macro recall", report.macro.recall, expected.macro.recall),
            ("macro f1", report.macro.f1, expected.macro.f1),
            ("weighted precision", report.weighted.precision, expected.weighted.precision),
            ("weighted recall", report.weighted.recall, expected.weighted.recall),
            ("weighted f1", report.weighted.f1, expected.weighted.f1),
        ]
        XCTAssertEqual(report.perClass.count, expected.perClass.count)
        for (mine, theirs) in zip(report.perClass, expected.perClass) {
            values.append(("\(theirs.label) precision", mine.precision, theirs.precision))
            values.append(("\(theirs.label) recall", mine.recall, theirs.recall))
            values.append(("\(theirs.label) f1", mine.f1, theirs.f1))
        }
        assertAllClose(values)
    }

    // MARK: Parity with scikit-learn

    func testRandomFixtureMatchesSklearn() throws {
        try checkAgainstSklearn("random")
    }

    func testTinyFixtureMatchesSklearn() throws {
        try checkAgainstSklearn("tiny")
    }

    func testFixtureHasTheCasesItClaims() throws {
        let report = try ClassificationReport(gold: rows("random").map(\.gold), predicted: rows("random").map(\.predicted))
        let confusion = try ConfusionMatrix(gold: rows("random").map(\.gold), predicted: rows("random").map(\.predicted))
        let predictedTotals = confusion.predictedTotals
        // zero_division=0: a class never predicted has precision 0, a class never in gold recall 0.
        XCTAssertTrue(report.perClass.indices.contains { predictedTotals[$0] == 0 && report.perClass[$0].precision == 0 })
        XCTAssertTrue(report.perClass.contains { $0.support == 0 && $0.recall == 0 && $0.f1 == 0 })
    }

    // MARK: Labels

    func testLabelsAreSortedByCodePointAndNotMergedByCanonicalEquivalence() throws {
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        let gold = ["b", "Z", nfc, "\u{1F600}", "\u{FF21}", "a"]
        let predicted = ["b", "Z", nfd, "\u{1F600}", "\u{FF21}", "a "]
        let report = try ClassificationReport(gold: gold, predicted: predicted)
        // Python's sorted(): capitals first, U+FF21 before U+1F600 (UTF-16 order would swap them).
        XCTAssertEqual(scalars(report.labels), scalars(["Z", "a", "a ", "b", nfd, nfc, "\u{FF21}", "\u{1F600}"]))
        XCTAssertEqual(report.accuracy, 4.0 / 6.0)
        XCTAssertEqual(report.metrics(for: nfc)?.recall, 0)
        XCTAssertEqual(report.metrics(for: nfd)?.support, 0)
    }

    func testInvalidPredictionsAreCountedAndStayInTheLabelUnion() throws {
        let report = try ClassificationReport(gold: ["yes", "no", "yes"], predicted: ["yes", "maybe", "Yes"],
                                              validLabels: ["yes", "no"])
        XCTAssertEqual(report.invalidCount, 2)
        XCTAssertEqual(report.labels, ["Yes", "maybe", "no", "yes"])
        XCTAssertEqual(report.accuracy, 1.0 / 3.0)
        XCTAssertEqual(try ClassificationReport(gold: ["yes"], predicted: ["no"]).invalidCount, 0)
    }

    func testGoldLabelOutsideValidLabelsThrows() {
        XCTAssertThrowsError(try ClassificationReport(gold: ["yes", "oops"], predicted: ["yes", "yes"],
                                                      validLabels: ["yes", "no"])) { error in
            XCTAssertEqual(error as? EvaluationError, .unknownGoldLabel("oops"))
        }
    }

    // MARK: Invariants

    func testMetricsAreInvariantUnderRowPermutation() throws {
        let data = try rows("random")
        let original = try ClassificationReport(gold: data.map(\.gold), predicted: data.map(\.predicted))
        let originalConfusion = try ConfusionMatrix(gold: data.map(\.gold), predicted: data.map(\.predicted))
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<25 {
            let shuffled = data.shuffled(using: &generator)
            let report = try ClassificationReport(gold: shuffled.map(\.gold), predicted: shuffled.map(\.predicted))
            // Every number is a function of the confusion counts, so equality is exact, not approximate.
            XCTAssertEqual(report, original)
            XCTAssertEqual(try ConfusionMatrix(gold: shuffled.map(\.gold), predicted: shuffled.map(\.predicted)),
                           originalConfusion)
        }
    }

    func testPerfectPredictionsScoreOne() throws {
        let labels = ["a", "b", "b", "c"]
        let report = try ClassificationReport(gold: labels, predicted: labels)
        XCTAssertEqual([report.accuracy, report.macro.f1, report.weighted.precision], [1, 1, 1])
    }

    func testReportRoundTripsThroughJSON() throws {
        let data = try rows("random")
        let report = try ClassificationReport(gold: data.map(\.gold), predicted: data.map(\.predicted))
        let decoded = try JSONDecoder().decode(ClassificationReport.self, from: JSONEncoder().encode(report))
        XCTAssertEqual(decoded, report)
    }

    // MARK: Errors

    /// Empty input throws rather than reporting accuracy 0: sklearn raises on it too, and a 0 would
    /// read like a real (and terrible) result.
    func testEmptyInputThrows() {
        XCTAssertThrowsError(try ClassificationReport(gold: [], predicted: [])) { error in
            XCTAssertEqual(error as? EvaluationError, .empty)
            XCTAssertNotNil((error as? LocalizedError)?.errorDescription)
        }
        XCTAssertThrowsError(try ConfusionMatrix(gold: [], predicted: [])) { error in
            XCTAssertEqual(error as? EvaluationError, .empty)
        }
        let zeros = ConfusionMatrix(labels: ["a"], counts: [[0]])
        XCTAssertThrowsError(try ClassificationReport(confusion: zeros)) { error in
            XCTAssertEqual(error as? EvaluationError, .empty)
        }
    }

    func testLengthMismatchThrows() {
        XCTAssertThrowsError(try ClassificationReport(gold: ["a", "b"], predicted: ["a"])) { error in
            XCTAssertEqual(error as? EvaluationError, .lengthMismatch(gold: 2, predicted: 1))
        }
    }

    // MARK: Confusion matrix CSV

    func testConfusionCSVQuotesLabelsPerRFC4180() throws {
        let confusion = try ConfusionMatrix(gold: ["a,b", "say \"hi\"", "a,b", "plain"],
                                            predicted: ["a,b", "plain", "say \"hi\"", "plain"])
        XCTAssertEqual(confusion.csv(), #"""
            gold\predicted,"a,b",plain,"say ""hi"""
            "a,b",1,0,1
            plain,0,1,0
            "say ""hi""",0,1,0

            """#)
        XCTAssertEqual(ConfusionMatrix.csvField("two\r\nlines"), "\"two\r\nlines\"")
    }

    func testMostConfusedIsSortedByCountThenLabelOrder() throws {
        let confusion = try ConfusionMatrix(gold: ["a", "a", "a", "b", "c", "c"],
                                            predicted: ["b", "b", "a", "c", "b", "b"])
        XCTAssertEqual(confusion.mostConfused(limit: 2), [
            .init(gold: "a", predicted: "b", count: 2),
            .init(gold: "c", predicted: "b", count: 2),
        ])
        XCTAssertEqual(confusion.mostConfused().count, 3)
    }

    // MARK: HTML

    func testHTMLIsSelfContainedAndEscaped() throws {
        let gold = ["<script>alert(1)</script>", "a & b", "a & b", "plain"]
        let predicted = ["plain", "a & b", "<script>alert(1)</script>", "plain"]
        let report = try ClassificationReport(gold: gold, predicted: predicted)
        let confusion = try ConfusionMatrix(gold: gold, predicted: predicted)
        let html = HTMLReport.render(report: report, confusion: confusion, title: "Run <1> & \"2\"")

        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.hasSuffix("</html>\n"))
        XCTAssertTrue(html.contains("<title>Run &lt;1&gt; &amp; &quot;2&quot;</title>"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertFalse(html.lowercased().contains("<script"), "a label became markup")
        XCTAssertTrue(html.contains("a &amp; b"))
        // Nothing to fetch: no scripts, stylesheets, images or fonts by URL.
        XCTAssertFalse(html.contains("src="))
        XCTAssertFalse(html.contains("href="))
        XCTAssertFalse(html.contains("url("))
        for tag in ["html", "head", "body", "table", "tr", "svg", "section", "title"] {
            XCTAssertEqual(html.components(separatedBy: "<\(tag)").count,
                           html.components(separatedBy: "</\(tag)>").count, "unbalanced <\(tag)>")
        }
    }

    func testHTMLScalesTo161Classes() throws {
        var generator = SplitMix64(seed: 161)
        let labels = (0..<161).map { "label_\($0)" }
        let gold = (0..<1500).map { labels[$0 % labels.count] }
        let predicted = gold.map { Double.random(in: 0..<1, using: &generator) < 0.7 ? $0 : labels.randomElement(using: &generator)! }
        let report = try ClassificationReport(gold: gold, predicted: predicted)
        let confusion = try ConfusionMatrix(gold: gold, predicted: predicted)
        let html = HTMLReport.render(report: report, confusion: confusion, title: "161")
        // One rect per non-zero cell, not per cell: the page stays small.
        XCTAssertLessThan(html.utf8.count, 1_000_000)
        XCTAssertTrue(html.contains("Most confused pairs"))
        XCTAssertEqual(html.components(separatedBy: "<tr>").count - 1, 1 + 1 + 1 + 20 + 1 + 161)
    }
}

/// Seeded generator (SplitMix64) so property tests are reproducible.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

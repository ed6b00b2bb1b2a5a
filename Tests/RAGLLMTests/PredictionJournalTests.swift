// PredictionJournalTests: reading a predictions file back for --resume: cut-off last line, failed rows, duplicates, another input's file.
import XCTest
import RAG
import RAGLLM

final class PredictionJournalTests: XCTestCase {
    var dir: URL!
    let rows = (0..<5).map { LabelledText(row: $0, line: $0 + 2, text: "text \($0)", label: "a") }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func line(_ row: Int, error: String? = nil) -> String {
        let p = Prediction(row: row, text: "text \(row)", gold: "a", predicted: error == nil ? "a" : "", confidence: 1, method: "llm:m", raw: "a", error: error)
        return String(decoding: try! JSONEncoder().encode(p), as: UTF8.self)
    }

    func testResumeKeepsGoodRowsAndDropsTheRest() throws {
        let path = dir.appendingPathComponent("p.jsonl").path
        let text = [line(3), line(0), line(1, error: "HTTP 500"), line(3), ""].joined(separator: "\n") + String(line(4).prefix(25))
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let journal = try PredictionJournal(.file(path), resume: true, rows: rows)
        XCTAssertEqual(Set(journal.done.keys), [0, 3])
        XCTAssertEqual(journal.notes.count, 3, journal.notes.joined(separator: "\n"))
        XCTAssertTrue(journal.notes.contains { $0.contains("cut off") })
        try journal.append(Prediction(row: 1, text: "text 1", gold: "a", predicted: "a", confidence: 1, method: "llm:m"))
        journal.close()
        let rowsNow = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Prediction.self, from: Data($0.utf8)).row }
        XCTAssertEqual(rowsNow, [3, 0, 1], "the file was rewritten without the failed, duplicate and cut-off lines")
    }

    func testUntouchedFileIsAppendedToAsItIs() throws {
        let path = dir.appendingPathComponent("p.jsonl").path
        try (line(2) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let journal = try PredictionJournal(.file(path), resume: true, rows: rows)
        XCTAssertEqual(Array(journal.done.keys), [2])
        XCTAssertTrue(journal.notes.isEmpty)
        try journal.append(Prediction(row: 0, text: "text 0", gold: "a", predicted: "a", confidence: 1, method: "llm:m"))
        journal.close()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count, 2)
    }

    func testWithoutResumeTheFileStartsAfresh() throws {
        let path = dir.appendingPathComponent("p.jsonl").path
        try (line(2) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let journal = try PredictionJournal(.file(path), resume: false, rows: rows)
        XCTAssertTrue(journal.done.isEmpty)
        journal.close()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, 0)
    }

    func testAnotherInputsFileIsRefused() throws {
        let path = dir.appendingPathComponent("p.jsonl").path
        try (line(1).replacingOccurrences(of: "text 1", with: "something else") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PredictionJournal(.file(path), resume: true, rows: rows)) {
            XCTAssertTrue("\($0.localizedDescription)".contains("different text"), $0.localizedDescription)
        }
        try ("garbage\n" + line(1) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PredictionJournal(.file(path), resume: true, rows: rows)) {
            XCTAssertEqual($0 as? LLMError, .resumeMismatch(file: path, line: 1, reason: "not a prediction line; remove it or start afresh"))
        }
    }
}

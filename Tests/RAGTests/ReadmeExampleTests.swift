// ReadmeExampleTests: the README's library program is Examples/LibraryExample/main.swift, byte for byte, and it builds an index, searches and classifies.
import Foundation
import XCTest
import TestSupport
import RAG

final class ReadmeExampleTests: XCTestCase {
    static let root = Repository.root

    func testReadmeShowsExactlyTheExampleProgram() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = "<!-- library-example: Examples/LibraryExample/main.swift -->\n```swift\n"
        let start = try XCTUnwrap(readme.range(of: marker), "README has the marked example")
        let end = try XCTUnwrap(readme.range(of: "```\n", range: start.upperBound..<readme.endIndex))
        let shown = String(readme[start.upperBound..<end.lowerBound])
        let program = try String(contentsOf: Self.root.appendingPathComponent("Examples/LibraryExample/main.swift"), encoding: .utf8)
        XCTAssertEqual(shown, program)
        XCTAssertLessThanOrEqual(program.split(separator: "\n").count, 15)
    }

    func testTheExampleProgramRuns() throws {
        // The first 300 rows of data/train.csv, so the run takes seconds.
        let rows = try Dataset(url: Self.root.appendingPathComponent("data/train.csv")).readAll().prefix(300)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readme-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("train.csv")
        try ("text,label_text\n" + rows.map { "\"\($0.text.replacingOccurrences(of: "\"", with: "\"\""))\",\($0.label!)\n" }.joined())
            .write(to: csv, atomically: true, encoding: .utf8)
        let temporaryBefore = try Set(FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path).filter { $0.hasPrefix("localrag-") })

        let p = Process()
        p.executableURL = RAGBinary.product("LibraryExample")
        p.arguments = [csv.path]
        p.currentDirectoryURL = Self.root
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, text)
        // Three neighbours, best first, with scores, labels and texts of the CSV.
        let scores = lines.prefix(3).map { Double($0.split(separator: " ")[0])! }
        XCTAssertEqual(scores, scores.sorted(by: >), text)
        let labels = Set(rows.compactMap(\.label))
        for line in lines.prefix(3) { XCTAssertTrue(labels.contains(String(line.split(separator: " ")[1])), String(line)) }
        XCTAssertTrue(labels.contains(String(lines[3].split(separator: " ")[0])), text)
        // The index lived in a temporary folder and is gone.
        let temporaryAfter = try Set(FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path).filter { $0.hasPrefix("localrag-") })
        XCTAssertEqual(temporaryAfter.subtracting(temporaryBefore), [])
    }
}

// CSVReaderTests: RFC 4180 parsing, and every malformed file rejected with file, line and problem.
import XCTest
import Foundation
import RAG

final class CSVReaderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func file(_ name: String, _ text: String) throws -> URL { try file(name, Array(text.utf8)) }

    func read(_ url: URL, requireLabels: Bool = true) throws -> [LabelledText] {
        try Dataset(url: url, requireLabels: requireLabels).readAll()
    }

    func testQuotedFieldsDoubledQuotesNewlinesCRLFAndBOM() throws {
        let text = "\u{FEFF}text,label_text\r\n\"a, \"\"quoted\"\"\r\nline\",x\r\nplain,y\r\n\r\n\"\",z\n"
        // The empty text on the last row is an error; check the rest without it.
        let url = try file("ok.csv", String(text.dropLast(6)))
        let rows = try read(url)
        XCTAssertEqual(rows.map(\.text), ["a, \"quoted\"\r\nline", "plain"])
        XCTAssertEqual(rows.map(\.label), ["x", "y"])
        XCTAssertEqual(rows.map(\.line), [2, 4])
        XCTAssertEqual(rows.map(\.row), [0, 1])
    }

    func testColumnsChosenByNameInAnyOrder() throws {
        let url = try file("cols.csv", "id,label_text,text,extra\n1,l1,hello,\n2,l2,\"wor,ld\",e\n")
        let rows = try read(url)
        XCTAssertEqual(rows.map(\.text), ["hello", "wor,ld"])
        XCTAssertEqual(rows.map(\.label), ["l1", "l2"])
        let custom = try Dataset(url: url, textColumn: "label_text", labelColumn: "id").readAll()
        XCTAssertEqual(custom.map(\.text), ["l1", "l2"])
        XCTAssertEqual(custom.map(\.label), ["1", "2"])
    }

    func testNoFinalNewlineAndLabelOptional() throws {
        let url = try file("nofinal.csv", "text\nonly text")
        XCTAssertEqual(try Dataset(url: url, labelColumn: nil).readAll().map(\.text), ["only text"])
    }

    func testRecordsLongerThanTheReadChunk() throws {
        // Fields spanning the 1 MiB chunk boundary must come back whole.
        let long = String(repeating: "ab\"\"c,\n", count: 200_000)
        let expected = long.replacingOccurrences(of: "\"\"", with: "\"")
        let url = try file("long.csv", "text,label_text\n\"\(long)\",l\nshort,m\n")
        let rows = try read(url)
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].text, expected)
        XCTAssertEqual(rows[1].text, "short")
        // The long record starts on line 2 and holds 200,000 line breaks.
        XCTAssertEqual(rows[1].line, 3 + 200_000)
    }

    /// The malformed files: each message must name the file, the line and the problem exactly.
    func testMalformedFilesGiveExactMessages() throws {
        let cases: [(String, [UInt8], String)] = [
            ("empty.csv", [], "%: the file is empty (expected a header row such as `text,label_text`)"),
            ("header.csv", Array("text,label_text\n".utf8), "%: the header is there but no data rows follow"),
            ("nocol.csv", Array("body,label_text\nx,y\n".utf8),
             "%:1: no column named \"text\" (columns: \"body\", \"label_text\")"),
            ("nolabel.csv", Array("text,category\nx,y\n".utf8),
             "%:1: no column named \"label_text\" (columns: \"text\", \"category\")"),
            ("dup.csv", Array("text,text,label_text\na,b,c\n".utf8), "%:1: the header names column \"text\" twice"),
            ("unterminated.csv", Array("text,label_text\nok,a\n\"never closed,b\nmore\n".utf8),
             "%:3: a quoted field is never closed (unterminated quote)"),
            ("ragged-short.csv", Array("text,label_text\nok,a\nalone\n".utf8), "%:3: 1 fields, the header has 2"),
            ("ragged-long.csv", Array("text,label_text\nok,a\nx,y,z\n".utf8), "%:3: 3 fields, the header has 2"),
            ("utf8.csv", Array("text,label_text\nok,a\n".utf8) + [0x62, 0xFF, 0x63] + Array(",b\n".utf8),
             "%:3: the row is not valid UTF-8 (save the file as UTF-8)"),
            ("emptytext.csv", Array("text,label_text\nok,a\n,b\n".utf8), "%:3: the \"text\" field is empty"),
            ("blanktext.csv", Array("text,label_text\n\"  \",b\n".utf8), "%:2: the \"text\" field is empty"),
            ("emptylabel.csv", Array("text,label_text\nok,a\nfine,\n".utf8), "%:3: the \"label_text\" field is empty"),
            ("quote-in-field.csv", Array("text,label_text\nsay \"hi\",a\n".utf8),
             "%:2: a quote inside an unquoted field (quote the whole field and double the quote)"),
            ("after-quote.csv", Array("text,label_text\n\"closed\"x,a\n".utf8),
             "%:2: unexpected character after a closing quote (a quote inside a field must be doubled)"),
            ("multiline-then-ragged.csv", Array("text,label_text\n\"a\nb\nc\",x\nbad\n".utf8), "%:5: 1 fields, the header has 2"),
        ]
        for (name, bytes, template) in cases {
            let url = try file(name, bytes)
            XCTAssertThrowsError(try read(url), name) { error in
                XCTAssertEqual((error as? LocalizedError)?.errorDescription, template.replacingOccurrences(of: "%", with: url.relativePath), name)
            }
        }
    }

    func testMissingFileAndFolder() throws {
        let missing = dir.appendingPathComponent("nope.csv")
        XCTAssertThrowsError(try read(missing)) { e in
            XCTAssertEqual((e as? LocalizedError)?.errorDescription, "\(missing.relativePath): cannot read: No such file or directory")
        }
        XCTAssertThrowsError(try read(dir)) { e in
            XCTAssertEqual((e as? LocalizedError)?.errorDescription, "\(dir.relativePath): cannot read: it is a folder, not a file")
        }
    }

    func testBatchesStreamInOrder() throws {
        let url = try file("many.csv", "text,label_text\n" + (0..<1000).map { "t\($0),l\($0 % 7)" }.joined(separator: "\n"))
        var sizes: [Int] = []
        var texts: [String] = []
        try Dataset(url: url).forEachBatch(300) { batch in
            sizes.append(batch.count)
            texts += batch.map(\.text)
        }
        XCTAssertEqual(sizes, [300, 300, 300, 100])
        XCTAssertEqual(texts, (0..<1000).map { "t\($0)" })
    }
}

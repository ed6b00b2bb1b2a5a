// SampleDataTests: the sample CSV files read exactly as Python's csv module reads them (rows and every field).
import XCTest
import Foundation
import TestSupport
import RAG

final class SampleDataTests: XCTestCase {
    struct Fingerprint: Decodable { var rows: Int; var fnv1a64: String }

    func fingerprint(_ url: URL) throws -> (Int, String) {
        var h: UInt64 = 0xcbf29ce484222325
        var rows = 0
        func mix(_ bytes: some Sequence<UInt8>) { for b in bytes { h ^= UInt64(b); h = h &* 0x100000001b3 } }
        try Dataset(url: url, requireLabels: true).forEachBatch(1024) { batch in
            for r in batch {
                mix(r.text.utf8); mix([0x1F]); mix((r.label ?? "").utf8); mix([0x1E])
                rows += 1
            }
        }
        return (rows, String(format: "%016llx", h))
    }

    func testSampleFilesMatchPythonCSV() throws {
        let fixture = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("csv_fingerprints.json")
        let expected = try JSONDecoder().decode([String: Fingerprint].self, from: Data(contentsOf: fixture))
        let paths = [
            "train.csv": Repository.data("train.csv"),
            "test.csv": Repository.data("test.csv"),
            "corpus_large.csv": Repository.sharedData("corpus_large.csv"),
        ]
        XCTAssertEqual(expected["train.csv"]?.rows, 7_500)
        XCTAssertEqual(expected["test.csv"]?.rows, 1_500)
        XCTAssertEqual(expected["corpus_large.csv"]?.rows, 47_878)
        for (name, url) in paths.sorted(by: { $0.key < $1.key }) {
            guard FileManager.default.fileExists(atPath: url.path) else {
                XCTFail("\(name) is missing: \(url.path) (corpus_large.csv comes with shared/ beside the repository)")
                continue
            }
            let (rows, hash) = try fingerprint(url)
            XCTAssertEqual(rows, expected[name]?.rows, name)
            XCTAssertEqual(hash, expected[name]?.fnv1a64, name)
        }
    }
}

// SharedFixtures: indexes built once per test run (MiniLM over the first rows of data/train.csv), handed to each test as its own copy.
import Foundation
import RAG

/// Building an index embeds every row; tests that need the same one share a single build per
/// run and get a private copy each, so a test that writes never disturbs another.
public enum SharedFixtures {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var originals: [String: URL] = [:]

    /// A new temporary folder (removed by the caller's teardown, or left in the system's temporary folder).
    public static func temporaryFolder(_ prefix: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The first `rows` rows of data/train.csv written as `train.csv` in `folder` (a new temporary folder when nil).
    public static func trainCSV(rows: Int, copies: Int = 1, in folder: URL? = nil) throws -> URL {
        let dir = try folder ?? temporaryFolder("train-csv")
        let url = dir.appendingPathComponent("train.csv")
        try writeCSV(Array(try Dataset(url: Repository.data("train.csv")).readAll().prefix(rows)), copies: copies, to: url)
        return url
    }

    /// Labelled rows as a `text,label_text` CSV (texts quoted, quotes doubled), `copies` times over.
    public static func writeCSV(_ rows: [LabelledText], copies: Int = 1, to url: URL) throws {
        let body = rows.map { "\"\($0.text.replacingOccurrences(of: "\"", with: "\"\""))\",\($0.label!)\n" }.joined()
        try ("text,label_text\n" + String(repeating: body, count: copies)).write(to: url, atomically: true, encoding: .utf8)
    }

    /// A private copy of the MiniLM index of the first `rows` rows of data/train.csv (with a linear
    /// head trained at λ 0.1 when `head`): `FOLDER/index`, with the CSV beside it as `FOLDER/train.csv`.
    /// The original is built once per run.
    public static func index(rows: Int = 300, head: Bool = true) throws -> URL {
        let original = try lock.withLock { () throws -> URL in
            let key = "\(rows)-\(head)"
            if let built = originals[key] { return built }
            let csv = try trainCSV(rows: rows, in: temporaryFolder("shared-index"))
            let folder = csv.deletingLastPathComponent().appendingPathComponent("index")
            let workspace = try Workspace.build(from: Dataset(url: csv), into: folder)
            if head { try workspace.trainHead(lambda: 0.1) }
            originals[key] = folder
            return folder
        }
        let dir = try temporaryFolder("index-copy")
        try FileManager.default.copyItem(at: original.deletingLastPathComponent().appendingPathComponent("train.csv"), to: dir.appendingPathComponent("train.csv"))
        let copy = dir.appendingPathComponent("index")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: original.path) where name != ".lock" {
            try FileManager.default.copyItem(at: original.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        return copy
    }
}

// `localrag-bench csv`: one CSV parser over one file in this process. A correctness pass (row count
// and the fingerprint of every (text, label_text) pair, the hash of scripts/fixtures/csv-fixture.py),
// then R timed passes, each reading the file from disk again; one JSON object on stdout.
// The parsers are LocalRAG's own reader (CSVOurs.swift) and two packages, each in a file of its own
// (CSVSwiftCSV.swift, CSVYaslab.swift) so that their `CSV` / `CSVReader` / `CSVError` names never meet.
import BenchSupport
import Foundation

/// One row handed on by a parser: the text field, the label field (nil when the row had no such
/// field) and how many fields the parser gave the row.
typealias CSVRowSink = (_ text: String, _ label: String?, _ fieldCount: Int) -> Void

/// A parser under test, used as its documentation shows.
struct CSVCandidate: Sendable {
    let name: String
    let package: String
    /// The calls the adapter makes.
    let api: String
    /// True when memory holds a bounded window of the file, whatever its size.
    let streaming: Bool
    let memoryNote: String
    /// Reads `url` from disk and calls `sink` for every data row, in file order (the header row
    /// names the columns). Throws what the parser throws, or `CSVBenchError`.
    let run: @Sendable (_ url: URL, _ textColumn: String, _ labelColumn: String, _ sink: CSVRowSink) throws -> Void
}

enum CSVBenchError: Error, CustomStringConvertible {
    case noHeader
    case missingColumn(String, [String])
    /// The package reported a problem without throwing (CSV.swift's `reader.error`).
    case reported(String)

    var description: String {
        switch self {
        case .noHeader: return "no header row"
        case .missingColumn(let c, let have): return "no column '\(c)' in the header \(have)"
        case .reported(let s): return s
        }
    }
}

let csvCandidates: [CSVCandidate] = [oursDataset, oursRecords, swiftCSVEnumerated, swiftCSVCallback, yaslabStream]

/// FNV-1a 64, as scripts/fixtures/csv-fixture.py: per row, UTF-8 of text, 0x1F, UTF-8 of label_text, 0x1E.
struct RowFingerprint {
    var h: UInt64 = 0xcbf29ce484222325
    var rows = 0

    mutating func add(_ text: String, _ label: String) {
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        h = (h ^ 0x1F) &* 0x100000001b3
        for b in label.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        h = (h ^ 0x1E) &* 0x100000001b3
        rows += 1
    }

    var hex: String {
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// The expected (rows, fnv1a64) of `file`: --expect-rows/--expect-fnv, else the fixture entry named
/// like the file (Tests/RAGTests/Fixtures/csv_fingerprints.json by default).
func expectedFingerprint(_ f: Flags, file: URL) throws -> (rows: Int, fnv: String, source: String)? {
    if let fnv = f.string("expect-fnv") {
        return (try f.int("expect-rows", default: -1), fnv.lowercased(), "flags")
    }
    let fixtures = f.string("fixtures").map { URL(fileURLWithPath: $0) }
        ?? Corpus.repositoryRoot.appendingPathComponent("Tests/RAGTests/Fixtures/csv_fingerprints.json")
    guard let data = try? Data(contentsOf: fixtures),
          let all = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          let entry = all[file.lastPathComponent] as? [String: Any],
          let rows = entry["rows"] as? Int, let fnv = entry["fnv1a64"] as? String else { return nil }
    return (rows, fnv.lowercased(), fixtures.path)
}

private func clip(_ s: String, _ n: Int = 60) -> String {
    s.count <= n ? s : String(s.prefix(n)) + "…"
}

func runCSV(_ f: Flags) throws -> Int32 {
    try f.check(known: ["parser", "file", "reps", "text-column", "label-column", "fixtures", "expect-rows",
                        "expect-fnv", "sample"])
    let names = csvCandidates.map(\.name)
    guard let parserName = f.string("parser"), let parser = csvCandidates.first(where: { $0.name == parserName }) else {
        throw BenchError.usage("csv needs --parser \(names.joined(separator: "|"))")
    }
    guard let path = f.string("file") else { throw BenchError.usage("csv needs --file FILE.csv") }
    let url = URL(fileURLWithPath: path)
    let reps = max(0, try f.int("reps", default: 5))
    let textColumn = f.string("text-column") ?? "text"
    let labelColumn = f.string("label-column") ?? "label_text"
    let sampleCount = try f.int("sample", default: 0)
    let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0

    var out: [String: Any] = [
        "bench": "csv", "parser": parser.name, "package": parser.package, "api": parser.api,
        "streaming": parser.streaming, "memory": parser.memoryNote, "file": url.path, "file_bytes": bytes,
        "reps": reps, "text_column": textColumn, "label_column": labelColumn,
    ]

    // Correctness pass: every row into the fingerprint; the first `sampleCount` rows kept to show.
    var fp = RowFingerprint()
    var sample: [[String: Any]] = []
    var fieldCounts: [Int: Int] = [:]
    var missingLabels = 0
    let (passError, first) = measure { () -> Error? in
        do {
            try parser.run(url, textColumn, labelColumn) { text, label, n in
                fp.add(text, label ?? "")
                fieldCounts[n, default: 0] += 1
                if label == nil { missingLabels += 1 }
                if sample.count < sampleCount {
                    sample.append(["text": clip(text), "label": label.map { clip($0) } ?? NSNull(), "fields": n])
                }
            }
            return nil
        } catch {
            return error
        }
    }
    out["rows"] = fp.rows
    out["fnv1a64"] = fp.hex
    out["first_pass"] = first.json
    out["field_counts"] = Dictionary(uniqueKeysWithValues: fieldCounts.map { (String($0.key), $0.value) })
    out["rows_missing_label"] = missingLabels
    if sampleCount > 0 { out["sample"] = sample }
    if let e = try expectedFingerprint(f, file: url) {
        out["expected"] = ["rows": e.rows, "fnv1a64": e.fnv, "source": e.source] as [String: Any]
        out["fingerprint_ok"] = passError == nil && fp.hex == e.fnv && (e.rows < 0 || fp.rows == e.rows)
    }
    if let passError {
        out["error"] = String(describing: passError)
        out["error_type"] = String(reflecting: type(of: passError))
        addProcessInfo(&out)
        printJSON(out)
        return 3
    }

    // Timed passes: the same reading, the rows only counted (their sizes summed, so nothing is dead code).
    var times: [Double] = [], cpus: [Double] = [], others: [Double] = []
    var checksum = 0
    for _ in 0..<reps {
        var rows = 0, sizes = 0
        // Wall and CPU time read right around the pass (measure()'s own CPU figure also counts its
        // /proc/stat read, which is not small beside a 2 ms pass); measure() gives "others".
        let ((seconds, cpu), m) = try measure { () throws -> (Double, Double) in
            let c0 = processCPUSeconds(), t0 = now()
            try parser.run(url, textColumn, labelColumn) { text, label, _ in
                rows += 1
                sizes &+= text.utf8.count &+ (label?.utf8.count ?? 0)
            }
            return (now() - t0, processCPUSeconds() - c0)
        }
        guard rows == fp.rows else {
            throw BenchError.badFile(url.path, "\(parser.name): \(rows) rows in a timed pass, \(fp.rows) in the first")
        }
        checksum &+= sizes
        times.append(seconds)
        cpus.append(cpu)
        others.append(m.othersCores)
    }
    if reps > 0 {
        let w = median(times)
        out["timed"] = [
            "times_s": times, "median_s": w, "min_s": times.min() ?? 0, "spread": spread(times),
            "rows_per_s": Double(fp.rows) / w, "mb_per_s": Double(bytes) / w / 1e6,
            "cpu_s": cpus, "median_cpu_s": median(cpus), "rows_per_cpu_s": Double(fp.rows) / median(cpus),
            "others_cores": others, "others_max": others.filter(\.isFinite).max() ?? 0,
            "field_bytes_per_pass": reps > 0 ? checksum / reps : 0,
        ] as [String: Any]
    }
    addProcessInfo(&out)
    printJSON(out)
    return 0
}

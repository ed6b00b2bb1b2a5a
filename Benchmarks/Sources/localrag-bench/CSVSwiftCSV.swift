// swiftcsv/SwiftCSV 0.10.0, as its README shows: the whole file as one String, parsed at init.
import Foundation
import SwiftCSV

/// `EnumeratedCSV(url:delimiter:.comma, loadColumns:false)`, then `rows` (arrays, the lighter of its
/// two views; `NamedCSV` builds a dictionary per row on top of the same parser).
let swiftCSVEnumerated = CSVCandidate(
    name: "swiftcsv",
    package: "swiftcsv/SwiftCSV 0.10.0",
    api: "EnumeratedCSV(url:delimiter:.comma, loadColumns:false).rows",
    streaming: false,
    memoryNote: "String(contentsOf:) of the whole file, then every row as [[String]] before the first is returned",
    run: { url, textColumn, labelColumn, sink in
        let csv = try EnumeratedCSV(url: url, delimiter: .comma, loadColumns: false)
        let header = csv.header
        guard !header.isEmpty else { throw CSVBenchError.noHeader }
        guard let ti = header.firstIndex(of: textColumn) else { throw CSVBenchError.missingColumn(textColumn, header) }
        guard let li = header.firstIndex(of: labelColumn) else { throw CSVBenchError.missingColumn(labelColumn, header) }
        for f in csv.rows {
            sink(ti < f.count ? f[ti] : "", li < f.count ? f[li] : nil, f.count)
        }
    })

/// SwiftCSV's lightest path: `EnumeratedCSV(string:delimiter:loadColumns:false, rowLimit:0)` (header
/// only) and `enumerateAsArray(startAt:1)`, a callback per row, so no `[[String]]` is built; the
/// whole file is still one String (the parser walks `String` Characters and has no stream input).
let swiftCSVCallback = CSVCandidate(
    name: "swiftcsv-callback",
    package: "swiftcsv/SwiftCSV 0.10.0",
    api: "EnumeratedCSV(string: String(contentsOf:), delimiter:.comma, loadColumns:false, rowLimit:0).enumerateAsArray(startAt:1)",
    streaming: false,
    memoryNote: "String(contentsOf:) of the whole file; rows handed on one at a time",
    run: { url, textColumn, labelColumn, sink in
        let text = try String(contentsOf: url, encoding: .utf8)
        let csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false, rowLimit: 0)
        let header = csv.header
        guard !header.isEmpty else { throw CSVBenchError.noHeader }
        guard let ti = header.firstIndex(of: textColumn) else { throw CSVBenchError.missingColumn(textColumn, header) }
        guard let li = header.firstIndex(of: labelColumn) else { throw CSVBenchError.missingColumn(labelColumn, header) }
        try withoutActuallyEscaping(sink) { sink in
            try csv.enumerateAsArray(startAt: 1, rowLimit: nil) { f in
                sink(ti < f.count ? f[ti] : "", li < f.count ? f[li] : nil, f.count)
            }
        }
    })

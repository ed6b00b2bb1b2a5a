// yaslab/CSV.swift 2.5.2, as its README shows: CSVReader over an InputStream, one row per next().
import CSV
import Foundation

/// `CSVReader(stream: InputStream(url:), hasHeaderRow: true)`, `next()` until nil, then `reader.error`
/// (where the package leaves a decoding or stream error: `next()` itself just returns nil).
/// On Linux `reader.error` is `.cannotReadFile` at the end of *every* file: swift-corelibs-foundation's
/// InputStream answers `hasBytesAvailable == true` until a read has returned 0, so the package's
/// one-byte read at end of file fails. That value is therefore ignored here; any other is thrown.
let yaslabStream = CSVCandidate(
    name: "csv.swift",
    package: "yaslab/CSV.swift 2.5.2",
    api: "CSVReader(stream:hasHeaderRow:true).next(), then .error (.cannotReadFile, set at every EOF on Linux, ignored)",
    streaming: true,
    memoryNote: "reads the stream in 64 KiB blocks; holds one row",
    run: { url, textColumn, labelColumn, sink in
        guard let stream = InputStream(url: url) else { throw CSVBenchError.reported("InputStream(url:) returned nil") }
        let reader = try CSVReader(stream: stream, hasHeaderRow: true)
        guard let header = reader.headerRow else { throw CSVBenchError.noHeader }
        guard let ti = header.firstIndex(of: textColumn) else { throw CSVBenchError.missingColumn(textColumn, header) }
        guard let li = header.firstIndex(of: labelColumn) else { throw CSVBenchError.missingColumn(labelColumn, header) }
        while let f = reader.next() {
            sink(ti < f.count ? f[ti] : "", li < f.count ? f[li] : nil, f.count)
        }
        if let e = reader.error {
            if case CSVError.cannotReadFile = e { return }
            throw CSVBenchError.reported("CSVReader.error = \(e)")
        }
    })

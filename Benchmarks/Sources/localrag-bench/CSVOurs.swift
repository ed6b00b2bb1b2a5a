// LocalRAG's own reader (Sources/RAG/Data/CSVReader.swift), through the Dataset API the app uses
// and through the bare record reader (the level the two packages work at).
import Foundation
import RAG

/// `Dataset(url:textColumn:labelColumn:).forEachBatch(4096)`: what `rag` itself calls. Strict: a
/// ragged row, an empty text, a stray quote, an unterminated quote or invalid UTF-8 is an error
/// naming the line.
let oursDataset = CSVCandidate(
    name: "localrag",
    package: "LocalRAG (Sources/RAG/Data)",
    api: "Dataset(url:textColumn:labelColumn:).forEachBatch(4096)",
    streaming: true,
    memoryNote: "reads 1 MiB chunks; holds one chunk, one record and one batch of 4096 rows",
    run: { url, textColumn, labelColumn, sink in
        try Dataset(url: url, textColumn: textColumn, labelColumn: labelColumn).forEachBatch(4096) { batch in
            for r in batch { sink(r.text, r.label ?? "", 2) }
        }
    })

/// `CSVReader(url:)` + `nextNonBlank()`: records only, no column checks (as the packages do).
let oursRecords = CSVCandidate(
    name: "localrag-records",
    package: "LocalRAG (Sources/RAG/Data)",
    api: "CSVReader(url:).nextNonBlank()",
    streaming: true,
    memoryNote: "reads 1 MiB chunks; holds one chunk and one record",
    run: { url, textColumn, labelColumn, sink in
        let reader = try RAG.CSVReader(url: url)
        guard let header = try reader.nextNonBlank()?.fields else { throw CSVBenchError.noHeader }
        guard let ti = header.firstIndex(of: textColumn) else { throw CSVBenchError.missingColumn(textColumn, header) }
        guard let li = header.firstIndex(of: labelColumn) else { throw CSVBenchError.missingColumn(labelColumn, header) }
        while let r = try reader.nextNonBlank() {
            let f = r.fields
            sink(ti < f.count ? f[ti] : "", li < f.count ? f[li] : nil, f.count)
        }
    })

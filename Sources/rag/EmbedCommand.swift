// EmbedCommand: `rag embed TEXT` or `rag embed --csv FILE --out FILE`: the raw vectors (json, jsonl, npy, f32).
import ArgumentParser
import Foundation
import LinearAlgebra
import RAG

enum VectorFormat: String, ExpressibleByArgument, CaseIterable {
    case f32, jsonl, npy
}

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the embedding of a text, or write the embeddings of every row of a CSV.",
        discussion: """
        --format f32 writes little-endian float32 rows back to back (rows x dimension);
        npy writes a NumPy array file (numpy.load reads it); jsonl one JSON array per row.
        Rows come out in input order.
        """
    )

    @Argument(help: "The text to embed.")
    var text: String?

    @Option(help: "CSV whose text column is embedded (instead of TEXT).")
    var csv: String?

    @Option(help: "Output file for --csv.")
    var out: String?

    @Option(help: "Output format for --csv: f32, jsonl or npy (default: from --out's extension, else f32).")
    var format: VectorFormat?

    @Flag(help: "Print the vector as a JSON array (the default for TEXT is one number per line).")
    var json = false

    @Option(help: "Name of the text column.")
    var textColumn: String = "text"

    @OptionGroup var embedding: EmbedderOptions

    func validate() throws {
        guard (text == nil) != (csv == nil) else { throw ValidationError("give either a TEXT or --csv FILE") }
        if csv != nil && out == nil { throw ValidationError("--csv needs --out FILE") }
    }

    func run() throws {
        let embedder = try embedding.make()
        if let text {
            let v = try embedder.sentenceEmbeddings([text], as: .plain).row(0)
            if json {
                print("[" + v.map { "\($0)" }.joined(separator: ",") + "]")
            } else {
                for x in v { print(x) }
            }
            return
        }
        let outPath = out!
        let fmt = format ?? VectorFormat(rawValue: URL(fileURLWithPath: outPath).pathExtension) ?? .f32
        let dataset = Dataset(url: URL(fileURLWithPath: csv!), textColumn: textColumn, labelColumn: nil)
        let progress = ProgressReporter("embedding \(csv!)", total: nil)
        let all = try dataset.embedAll(dimension: embedder.dimension, progress: progress.update) {
            try embedder.sentenceEmbeddings($0, as: .plain)
        }.vectors
        progress.finish()
        let output = try AtomicOutput(path: outPath)
        switch fmt {
        case .jsonl:
            for r in 0..<all.rows { output.write("[" + all.row(r).map { "\($0)" }.joined(separator: ",") + "]") }
        case .f32:
            output.writeRaw(all.storage.withUnsafeBytes { Data($0) })
        case .npy:
            output.writeRaw(NPY.header(rows: all.rows, cols: all.cols))
            output.writeRaw(all.storage.withUnsafeBytes { Data($0) })
        }
        try output.commit()
        Terminal.printError("wrote \(all.rows) x \(all.cols) float32 to \(outPath) (\(fmt.rawValue))")
    }
}

/// NumPy .npy version 1.0 header for a little-endian float32 C-order matrix.
enum NPY {
    static func header(rows: Int, cols: Int) -> Data {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(cols)), }"
        // Magic (6) + version (2) + length (2) + dict + newline, padded to a multiple of 64.
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let len = UInt16(dict.utf8.count)
        data.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
        data.append(contentsOf: Array(dict.utf8))
        return data
    }
}

// IndexBuildCommand: `rag index build --csv FILE`: embed every row and write the index folder atomically.
import ArgumentParser
import Foundation
import RAG
import VectorSearch

struct IndexBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Embed every row of a CSV and write the index (replacing any index there only once complete)."
    )

    @Option(help: "CSV with a text column and a label column.")
    var csv: String

    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    @Option(help: "Rows embedded per batch.")
    var batchSize: Int = 256

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        let embedder = try embedding.make()
        let dataset = Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn,
                              labelColumn: columns.labelColumn, requireLabels: true)
        let progress = ProgressReporter("embedding \(csv)", total: nil)
        let start = Date()
        let manifest = try IndexBuilder(embedder: embedder, batchSize: batchSize)
            .build(from: dataset, into: index.url, progress: progress.update)
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "indexed %d rows (%d labels) from %@ into %@ in %.1f s with %@",
                     manifest.count, (try? IndexStore(opening: index.url).documents.labels.count) ?? 0,
                     csv, index.path, seconds, manifest.embedder))
    }
}

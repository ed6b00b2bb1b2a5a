// IndexBuildCommand: `rag index build --csv FILE [--kind ivf]`: embed every row and write the index folder atomically.
import ArgumentParser
import Foundation
import RAG
import LinearAlgebra
import VectorSearch

enum IndexKind: String, ExpressibleByArgument, CaseIterable {
    case flat, ivf

    var workspaceKind: Workspace.Kind { self == .flat ? .flat : .ivf }
}

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

    @Option(help: "flat (exact search only) or ivf (also inverted lists: k-means on the rows, faster search of large indexes).")
    var kind: IndexKind = .flat

    @Option(help: "IVF lists (default: about 4·sqrt(rows), a power of two, at least 39 rows per list).")
    var nlist: Int?

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let nlist {
            guard kind == .ivf else { throw ValidationError("--nlist needs --kind ivf") }
            guard nlist >= 1 else { throw ValidationError("--nlist must be at least 1") }
        }
    }

    func run() throws {
        if let threads = embedding.threads { BLASThreads.set(threads) }
        let dataset = Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn,
                              labelColumn: columns.labelColumn, requireLabels: true)
        let progress = ProgressReporter("embedding \(csv)", total: nil)
        let start = Date()
        let workspace = try Workspace.build(from: dataset, into: index.url, embedder: embedding.choice, kind: kind.workspaceKind,
                                            nlist: nlist, batchSize: batchSize, progress: progress.update)
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let s = workspace.snapshot
        print(String(format: "indexed %d rows (%d labels) from %@ into %@ in %.1f s with %@",
                     s.count, s.labels.count, csv, index.path, seconds, workspace.embedder.identifier))
        if let r = workspace.ivfBuildReport {
            print(String(format: "ivf: %d lists (k-means, %d iterations on %d rows), list sizes up to %d, %d empty; "
                         + "nprobe %d (recall@10 %.3f on %d stored rows; `rag index tune` to change); %.1f s",
                         r.listCount, r.kmeans.iterations, r.kmeans.trainingPoints, r.largestList, r.emptyLists,
                         r.defaultNProbe, r.tuning?.recall ?? .nan, r.tuning?.queries ?? 0, workspace.ivfBuildSeconds))
            if r.kmeans.underTrained {
                Terminal.printError("warning: \(r.rows) rows for \(r.listCount) lists is under 39 per list; k-means is under-trained (pass a smaller --nlist)")
            }
        }
    }
}

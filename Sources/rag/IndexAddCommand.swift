// IndexAddCommand: `rag index add --csv FILE`: embed more rows and append them to the flat vectors and the IVF lists, atomically.
import ArgumentParser
import Foundation
import RAG
import VectorSearch

struct IndexAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Append the rows of a CSV to the index (flat vectors and, when built, the IVF lists) without retraining.",
        discussion: """
        New rows go to the IVF list of their nearest centroid; the centroids stay as trained.
        The whole index is written as a new generation and replaces the old one only when
        complete, so an interrupted add leaves the old index as it was. After the index has grown
        a lot (say doubled), rebuild with `rag index build --kind ivf` to retrain the lists.
        """
    )

    @OptionGroup var rows: RowSourceOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func run() throws {
        // Opened (and checked, IVF part included) before any embedding, so a damaged index fails fast.
        let workspace = try embedding.workspace(index: index)
        let before = workspace.snapshot
        let start = Date()
        let csv = rows.csv
        let progress = ProgressReporter("embedding \(csv)", total: nil)
        let report = try workspace.add(rows.dataset, batchSize: rows.batchSize, progress: progress.update)
        progress.finish()
        print(String(format: "added %d rows from %@ to %@ (now %d rows) in %.1f s", report.added, csv, index.path,
                     report.count, Date().timeIntervalSince(start)))
        let settings = before.store.settings
        if let lists = settings[IVFIndex.Setting.nlist] {
            let trained = Int(settings[IVFIndex.Setting.trainedRows] ?? "") ?? before.count
            print("ivf: new rows went to the nearest of the \(lists) lists (centroids trained on \(trained) rows)")
            if report.count >= 2 * trained {
                Terminal.printError("note: the index is now \(report.count / max(1, trained))x the rows its IVF lists were trained on; "
                                    + "rebuild with `rag index build --kind ivf` to retrain them")
            }
        }
    }
}

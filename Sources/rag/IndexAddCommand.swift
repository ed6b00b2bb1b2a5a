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
        The rows are written as a new segment beside the stored ones (which are not copied), and
        go to the IVF list of their nearest centroid; the centroids stay as trained. Nothing is
        visible until the new manifest is renamed into place, so an interrupted add leaves the
        index as it was. Ids already stored are refused (`rag index upsert` replaces them). Past
        --compact-segments segments the index is compacted into one. After the index has grown
        a lot (say doubled), rebuild with `rag index build --kind ivf` to retrain the lists.
        """
    )

    @OptionGroup var rows: RowSourceOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions
    @OptionGroup var compaction: CompactionOptions

    func run() throws {
        // Opened (and checked, IVF part included) before any embedding, so a damaged index fails fast.
        let workspace = try embedding.workspace(index: index)
        let before = workspace.snapshot
        let start = Date()
        let csv = rows.csv
        let progress = ProgressReporter("embedding \(csv)", total: nil)
        let report = try workspace.add(rows.dataset, batchSize: rows.batchSize, compaction: compaction.policy, progress: progress.update)
        progress.finish()
        print(String(format: "added %d rows from %@ to %@ (now %d rows) in %.1f s", report.added, csv, index.path,
                     report.count, Date().timeIntervalSince(start)))
        CompactionOptions.printCompaction(report.compaction)
        let settings = before.store.settings
        if let lists = settings[IVFIndex.Setting.nlist] {
            let trained = Int(settings[IVFIndex.Setting.trainedRows] ?? "") ?? before.count
            print("ivf: new rows went to the nearest of the \(lists) lists (centroids trained on \(trained) rows)")
            if report.count >= 2 * trained {
                Terminal.printError("note: the index is now \(report.count / max(1, trained))x the rows its IVF lists were trained on; "
                                    + "`rag index tune --retrain` trains them anew")
            }
        }
        CompactionOptions.printIVFDrift(workspace)
    }
}

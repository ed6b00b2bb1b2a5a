// IndexUpsertCommand: `rag index upsert --csv FILE`: rows whose id is stored replace it, the rest are appended, in one commit.
import ArgumentParser
import Foundation
import RAG

struct IndexUpsertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upsert",
        abstract: "Store the rows of a CSV by id: a row whose id is in the index replaces it, the others are added.",
        discussion: """
        Ids come from --id-column, or are the file's name and the data row (train.csv:0, ...), so
        re-running with a corrected copy of the same file name replaces its rows. Replaced rows are
        deleted in the same commit: no search, vote, head or prompt sees the old version from then
        on. A stored head is marked stale and retrained on its next use. When deleted rows pass
        --compact-above of the stored rows, the index is compacted after the commit.
        """
    )

    @OptionGroup var rows: RowSourceOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions
    @OptionGroup var compaction: CompactionOptions

    func run() throws {
        let workspace = try embedding.workspace(index: index)
        let start = Date()
        let csv = rows.csv
        let progress = ProgressReporter("embedding \(csv)", total: nil)
        let report = try workspace.upsert(rows.dataset, batchSize: rows.batchSize, compaction: compaction.policy,
                                          progress: progress.update)
        progress.finish()
        print(String(format: "upserted %d rows from %@ into %@: %d replaced, %d added (now %d rows) in %.1f s",
                     report.added + report.replaced, csv, index.path, report.replaced, report.added, report.count,
                     Date().timeIntervalSince(start)))
        compaction.printNotes(report, workspace: workspace)
    }
}

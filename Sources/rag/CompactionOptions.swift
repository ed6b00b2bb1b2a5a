// CompactionOptions: `--compact-above FRACTION` and `--compact-segments N` for the commands that change rows, and the notes they print after.
import ArgumentParser
import RAG
import VectorSearch

struct CompactionOptions: ParsableArguments {
    @Option(help: "Compact after the commit when deleted rows pass this fraction of the stored rows (1 or more: never).")
    var compactAbove: Double = CompactionPolicy.standard.deletedFraction

    @Option(help: "Compact after the commit when the index has more segments than this (each append adds one).")
    var compactSegments: Int = CompactionPolicy.standard.maxSegments

    func validate() throws {
        guard compactAbove > 0 else { throw ValidationError("--compact-above must be above 0 (1 or more never compacts)") }
        guard compactSegments >= 1 else { throw ValidationError("--compact-segments must be at least 1") }
    }

    var policy: CompactionPolicy { CompactionPolicy(deletedFraction: compactAbove, maxSegments: compactSegments) }

    /// What happened beside the change: compaction, a head marked stale, IVF lists drifted.
    func printNotes(_ report: Workspace.ChangeReport, workspace: Workspace) {
        Self.printCompaction(report.compaction)
        Self.printIVFDrift(workspace)
        if workspace.snapshot.headIsStale {
            Terminal.printError("note: the stored head was trained before these rows changed; it is retrained on its next use (or run `rag train head`)")
        }
    }

    static func printCompaction(_ compaction: Workspace.CompactionReport?) {
        if let c = compaction {
            print("compacted: \(c.rowsBefore) rows stored -> \(c.rowsAfter), \(c.bytesBefore) bytes -> \(c.bytesAfter)"
                  + (c.ivfRetrained ? "; the IVF lists had drifted, so their centroids were trained anew" : ""))
        }
    }

    /// A note when the rows appended have gathered in a few IVF lists (`IVFIndex.hasDrifted`).
    static func printIVFDrift(_ workspace: Workspace) {
        guard let folder = workspace.snapshot.store as? FolderVectorStore, let balance = folder.ivfBalance,
              IVFIndex.hasDrifted(now: balance.now, trained: balance.trained) else { return }
        Terminal.printError(String(format: "note: the IVF lists have drifted (imbalance %.2f, %.2f when trained): `rag index compact` or `rag index tune` trains them anew",
                                   balance.now, balance.trained ?? 0))
    }
}

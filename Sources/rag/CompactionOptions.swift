// CompactionOptions: `--compact-above FRACTION` for the commands that delete rows, and the notes they print after a change.
import ArgumentParser
import RAG

struct CompactionOptions: ParsableArguments {
    @Option(help: "Compact after the commit when deleted rows pass this fraction of the stored rows (1 or more: never).")
    var compactAbove: Double = Workspace.defaultCompactionThreshold

    func validate() throws {
        guard compactAbove > 0 else { throw ValidationError("--compact-above must be above 0 (1 or more never compacts)") }
    }

    /// What happened beside the change: compaction, a head marked stale.
    func printNotes(_ report: Workspace.ChangeReport, workspace: Workspace) {
        if let c = report.compaction {
            print("compacted: \(c.rowsBefore) rows stored -> \(c.rowsAfter), \(c.bytesBefore) bytes -> \(c.bytesAfter)")
        }
        if workspace.snapshot.headIsStale {
            Terminal.printError("note: the stored head was trained before these rows changed; it is retrained on its next use (or run `rag train head`)")
        }
    }
}

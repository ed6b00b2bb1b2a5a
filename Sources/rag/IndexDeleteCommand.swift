// IndexDeleteCommand: `rag index delete --id ID... | --ids-file FILE | --where EXPR`: hide rows by id at once, in one commit.
import ArgumentParser
import Foundation
import RAG

struct IndexDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete rows by id: from the commit on, no search, vote, head or prompt sees them.",
        discussion: """
        In an index folder the rows are marked deleted (a tombstone file; nothing is copied) and
        their bytes stay on disk until compaction: `rag index compact`, or automatically when
        deleted rows pass --compact-above of the stored rows. In a Milvus collection (--store) they
        are deleted by Milvus, which compacts on its own. Ids the index does not hold are listed
        on stderr and do not fail the command. A stored head is marked stale and retrained on its
        next use.
        """
    )

    @Option(name: .customLong("id"), help: "An id to delete (repeatable).")
    var idsGiven: [String] = []

    @Option(help: "A file of ids to delete, one per line (blank lines skipped).")
    var idsFile: String?

    @OptionGroup var filter: FilterOptions

    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions
    @OptionGroup var compaction: CompactionOptions

    func validate() throws {
        guard !idsGiven.isEmpty || idsFile != nil || filter.expression != nil else {
            throw ValidationError("give the rows to delete with --id ID, --ids-file FILE or --where EXPR")
        }
        guard filter.expression == nil || (idsGiven.isEmpty && idsFile == nil) else {
            throw ValidationError("--where deletes the rows it matches; give it alone, without --id or --ids-file")
        }
    }

    func run() throws {
        var ids = idsGiven
        if let idsFile {
            let text: String
            do { text = try String(contentsOfFile: idsFile, encoding: .utf8) } catch {
                throw ValidationError("cannot read --ids-file \(idsFile): \(error.localizedDescription)")
            }
            ids += text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
        }
        let workspace = try embedding.workspace(index: index)
        let report = try filter.filter().map { try workspace.delete(matching: $0, compaction: compaction.policy) }
            ?? workspace.delete(ids: ids, compaction: compaction.policy)
        print("deleted \(report.deleted) row\(report.deleted == 1 ? "" : "s") from \(index.path) (now \(report.count) rows)")
        if !report.missing.isEmpty {
            let shown = report.missing.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
            Terminal.printError("note: \(report.missing.count) id\(report.missing.count == 1 ? " is" : "s are") not in the index: \(shown)\(report.missing.count > 5 ? ", ..." : "")")
        }
        compaction.printNotes(report, workspace: workspace)
    }
}

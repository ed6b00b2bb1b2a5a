// IndexCompactCommand: `rag index compact`: rewrite the live rows without the deleted ones, so the disk shrinks.
import ArgumentParser
import Foundation
import RAG

struct IndexCompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the index without its deleted rows (disk shrinks; rows are renumbered, ids stay).",
        discussion: """
        The live rows are copied into a new generation in order; an IVF part's lists are rebuilt on
        its trained centroids. The old generation's files are removed after the commit.
        """
    )

    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func run() throws {
        let workspace = try embedding.workspace(index: index)
        let start = Date()
        let r = try workspace.compact()
        print(String(format: "compacted %@: %d rows stored -> %d, %d bytes -> %d in %.1f s",
                     index.path, r.rowsBefore, r.rowsAfter, r.bytesBefore, r.bytesAfter, Date().timeIntervalSince(start)))
    }
}

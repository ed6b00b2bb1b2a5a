// QueryCommand: `rag query TEXT` or `rag query --csv FILE`: the k nearest stored rows, as a table or JSON lines.
import ArgumentParser
import Foundation
import RAG
import VectorSearch

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Find the nearest stored rows of one text, or of every row of a CSV.",
        discussion: """
        One text prints a table (rank, score, label, text); --json prints
        {"query":..,"neighbours":[{"row":..,"score":..,"label":..,"text":..}]}, where row is the
        0-based data row of the indexed CSV. --csv writes one such object per input row, in input
        order, to --out (default stdout).
        """
    )

    @Argument(help: "The text to look up.")
    var text: String?

    @Option(name: .short, help: "Neighbours per query.")
    var k: Int = 10

    @Option(help: "CSV whose rows are all looked up (instead of TEXT).")
    var csv: String?

    @Option(help: "Output file for --csv (JSON lines); default stdout.")
    var out: String?

    @Flag(help: "JSON output for a single text.")
    var json = false

    @Flag(help: "Skip a stored row whose text is the query's own.")
    var excludeSelf = false

    @Option(help: "IVF lists to probe (IVF indexes only; default: the tuned value).")
    var nprobe: Int?

    @Flag(help: "Search every row exactly (flat), even when the index has an IVF part.")
    var exact = false

    @Option(help: "HNSW candidates per query (a --store built with --kind hnsw; default: the larger of -k and 64).")
    var ef: Int?

    @Option(help: "Candidates per result the codes keep for the exact rescoring: k x F (an index built with --vectors int8, f16 or bf16; default: the stored value, 4).")
    var rescore: Int?

    @OptionGroup var filter: FilterOptions
    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func validate() throws {
        guard k > 0 else { throw ValidationError("-k must be at least 1") }
        guard (text == nil) != (csv == nil) else { throw ValidationError("give either a TEXT or --csv FILE") }
        if let nprobe, nprobe < 1 { throw ValidationError("--nprobe must be at least 1") }
        if let ef, ef < 1 { throw ValidationError("--ef must be at least 1") }
        if let rescore, rescore < 1 { throw ValidationError("--rescore must be at least 1") }
    }

    func run() throws {
        let workspace = try embedding.workspace(index: index)
        // An index built with --kind ivf is searched through its lists unless --exact; a store
        // searches with its own index (exact when FLAT).
        let knobs = workspace.snapshot.store.knobs
        if !knobs.contains(.exact) {
            if exact { Terminal.printError("note: --exact is ignored: \(index.path) searches with its own index (--kind flat builds an exact one)") }
        } else if nprobe != nil && (exact || !knobs.contains(.nprobe)) {
            Terminal.printError("note: --nprobe is ignored: \(exact ? "--exact searches" : "this index has no IVF part, so it searches") every row")
        }
        if rescore != nil && (exact || !knobs.contains(.rescore)) {
            Terminal.printError("note: --rescore is ignored: \(exact ? "--exact searches every row" : "this index has no codes (--vectors int8, f16 or bf16 builds them)")")
        }
        let options = Workspace.SearchOptions(nprobe: nprobe, exact: exact, excludeSelf: excludeSelf, ef: ef, filter: try filter.filter(),
                                              rescore: rescore)
        if let text {
            let neighbours = try workspace.search([text], k: k, options: options)[0]
            if json {
                print(String(decoding: try NeighbourJSON.encode(query: text, row: nil, neighbours), as: UTF8.self))
            } else {
                printTable(neighbours)
            }
            return
        }
        let dataset = Dataset(url: URL(fileURLWithPath: csv!), textColumn: columns.textColumn, labelColumn: nil)
        let output = try AtomicOutput(path: out)
        let progress = ProgressReporter("querying \(csv!)", total: nil)
        var done = 0
        try dataset.forEachBatch(256) { batch in
            let results = try workspace.search(batch.map(\.text), k: k, options: options)
            for (row, neighbours) in zip(batch, results) {
                output.write(data: try NeighbourJSON.encode(query: row.text, row: row.row, neighbours))
            }
            done += batch.count
            progress.update(done)
        }
        progress.finish()
        try output.commit()
        if let out { Terminal.printError("wrote \(done) rows to \(out)") }
    }

    private func printTable(_ neighbours: [Neighbour]) {
        let labelWidth = min(28, max(5, neighbours.map { ($0.document.label ?? "-").count }.max() ?? 5))
        let textWidth = max(20, Terminal.width - labelWidth - 16)
        print("rank  score   \("label".padding(toLength: labelWidth, withPad: " ", startingAt: 0))  text")
        for n in neighbours {
            let label = Terminal.clip(n.document.label ?? "-", labelWidth).padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            print(String(format: "%4d  %.4f  ", n.rank, n.score) + label + "  " + Terminal.clip(n.document.text, textWidth))
        }
    }
}

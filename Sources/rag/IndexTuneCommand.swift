// IndexTuneCommand: `rag index tune --target-recall 0.95`: measure recall@k against flat per nprobe (IVF), rescore factor (codes) or both, store the cheapest that reaches it.
import ArgumentParser
import Foundation
import LinearAlgebra
import RAG
import VectorSearch

struct IndexTuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Pick the IVF nprobe (or the codes' rescore factor, or both): the cheapest whose recall@k against exact search reaches the target; store it as the default.",
        discussion: """
        Queries are a seeded sample of stored rows, each leaving itself out of both result lists
        (as held-out rows would be), or the rows of --csv FILE. Recall@k is the share of the exact
        top-k that the IVF search also returns, averaged over the queries. The chosen nprobe is
        written to the manifest (setting ivf.nprobe); `rag query --nprobe N` still overrides it.
        An index built with --vectors int8, f16 or bf16 (and no IVF part) has its rescore factor
        tuned the same way: the candidates kept from the codes per result (setting int8.rescore,
        f16.rescore, ...; `rag query --rescore F` overrides it). With both (--kind ivf --vectors
        int8|f16|bf16), the two are tuned together: the smallest rescore factor reaching the target
        at the float32 lists' smallest nprobe, at 1.5x and at 2x it, and the fastest of those pairs
        on the sample (best of three timed searches, the queries/s shown for them) is stored.
        """
    )

    @Option(help: "Recall@k to reach, in (0, 1].")
    var targetRecall: Double = 0.95

    @Option(name: .short, help: "k of recall@k.")
    var k: Int = 10

    @Option(help: "Stored rows sampled as queries.")
    var sample: Int = 1_000

    @Option(help: "Seed of the sample.")
    var seed: UInt64 = 4_321

    @Option(help: "Held-out queries from this CSV's text column instead of stored rows (embedded with the index's embedder).")
    var csv: String?

    @Flag(help: "Measure and print only; leave the stored nprobe and rescore factor as they are.")
    var dryRun = false

    @Flag(help: "Train the IVF centroids (or encode the codes, the int8 quantizer trained) anew on the live rows first (IVF: done anyway when the lists have drifted: see `rag index info`).")
    var retrain = false

    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func validate() throws {
        guard targetRecall > 0, targetRecall <= 1 else { throw ValidationError("--target-recall must be in (0, 1], e.g. 0.95") }
        guard k >= 1 else { throw ValidationError("-k must be at least 1") }
        guard sample >= 1 else { throw ValidationError("--sample must be at least 1") }
    }

    func run() throws {
        var folder = try FolderVectorStore(try index.open(for: "rag index tune"))
        if folder.ivf == nil, let quantized = folder.quantized { return try tuneRescore(of: quantized, in: folder) }
        guard let balance = folder.ivfBalance else { throw StoreError.kindMissing(kind: IVFIndex.kind) }
        if !dryRun, retrain || IVFIndex.hasDrifted(now: balance.now, trained: balance.trained) {
            let start = Date()
            folder = try folder.compacted(retrainingIVF: true)
            print(String(format: "trained the IVF centroids anew on %d live rows%@ in %.1f s", folder.count,
                         retrain ? "" : String(format: " (the lists had drifted: imbalance %.2f, %.2f when trained)", balance.now, balance.trained ?? 0),
                         Date().timeIntervalSince(start)))
        }
        guard let ivf = folder.ivf else { throw StoreError.kindMissing(kind: IVFIndex.kind) }
        let store = folder.index
        let (queries, excluding) = try sampleQueries(store)
        if let quantizedIVF = folder.quantizedIVF { return try tunePair(of: quantizedIVF, in: folder, queries: queries, excluding: excluding) }
        let tuned = try ivf.tuneNProbe(queries: queries, exact: store.flat, targetRecall: targetRecall, k: k, excluding: excluding, live: store.live)
        printPoints(["nprobe"], tuned.points.map { ([$0.nprobe], $0.recall, $0.queriesPerSecond) }, chosen: [tuned.nprobe], queries: tuned.queries,
                    of: "\(ivf.listCount) lists")
        if !tuned.reached {
            Terminal.printError(String(format: "no nprobe reached recall %.3f (best %.4f at nprobe %d = every list)",
                                       targetRecall, tuned.recall, tuned.nprobe))
        }
        guard !dryRun else { return }
        try storeSettings(in: folder, nprobeSettings(tuned.nprobe, recall: tuned.recall, queries: tuned.queries))
        print(String(format: "stored nprobe %d (recall@%d %.4f, target %.3f) in %@", tuned.nprobe, k, tuned.recall, targetRecall, index.path))
    }

    /// An IVF index with codes in its lists: nprobe and the rescore factor together, both stored.
    private func tunePair(of quantizedIVF: QuantizedIVFIndex, in folder: FolderVectorStore, queries: Matrix, excluding: [Int]?) throws {
        let tuned = try quantizedIVF.tune(queries: queries, exact: folder.index.flat, targetRecall: targetRecall, k: k,
                                          excluding: excluding, live: folder.index.live)
        printPoints(["nprobe", "rescore"], tuned.points.map { ([$0.nprobe, $0.rescore], $0.recall, $0.queriesPerSecond) },
                    chosen: [tuned.nprobe, tuned.rescore], queries: tuned.queries, of: "\(quantizedIVF.ivf.listCount) lists, \(quantizedIVF.format.encoding.rawValue) codes")
        if !tuned.reached {
            Terminal.printError(String(format: "no nprobe and rescore reached recall %.3f (best %.4f with every list and every entry a candidate)",
                                       targetRecall, tuned.recall))
        }
        guard !dryRun else { return }
        try storeSettings(in: folder, nprobeSettings(tuned.nprobe, recall: tuned.recall, queries: tuned.queries)
                            .merging(rescoreSettings(tuned.rescore, of: quantizedIVF.format.encoding, recall: tuned.recall, queries: tuned.queries)) { $1 })
        print(String(format: "stored nprobe %d and rescore %d (recall@%d %.4f, target %.3f) in %@", tuned.nprobe, tuned.rescore, k, tuned.recall,
                     targetRecall, index.path))
    }

    private func nprobeSettings(_ nprobe: Int, recall: Double, queries: Int) -> [String: String] {
        [IVFIndex.Setting.nprobe: "\(nprobe)", IVFIndex.Setting.tunedRecall: String(format: "%.4f", recall),
         IVFIndex.Setting.tunedTarget: "\(targetRecall)", IVFIndex.Setting.tunedSample: "\(queries)"]
    }

    private func rescoreSettings(_ rescore: Int, of encoding: VectorEncoding, recall: Double, queries: Int) -> [String: String] {
        [QuantizedFlatIndex.Setting.rescore(encoding): "\(rescore)", QuantizedFlatIndex.Setting.tunedRecall(encoding): String(format: "%.4f", recall),
         QuantizedFlatIndex.Setting.tunedTarget(encoding): "\(targetRecall)", QuantizedFlatIndex.Setting.tunedSample(encoding): "\(queries)"]
    }

    /// An index with codes: the rescore factor, measured and stored as nprobe is.
    private func tuneRescore(of quantized: QuantizedFlatIndex, in folder: FolderVectorStore) throws {
        var folder = folder, quantized = quantized
        if retrain && !dryRun {
            let start = Date()
            folder = try folder.compacted(retrainingIVF: false)
            quantized = folder.quantized!
            print(String(format: "%@ anew on %d live rows in %.1f s",
                         quantized.quantizer != nil ? "trained the int8 quantizer" : "encoded the \(quantized.format.encoding.rawValue) codes",
                         folder.count, Date().timeIntervalSince(start)))
        }
        let (queries, excluding) = try sampleQueries(folder.index)
        let tuned = try quantized.tuneRescore(queries: queries, targetRecall: targetRecall, k: k, excluding: excluding, live: folder.index.live)
        printPoints(["rescore"], tuned.points.map { ([$0.value], $0.recall, $0.queriesPerSecond) }, chosen: [tuned.value], queries: tuned.queries,
                    of: "\(quantized.format.encoding.rawValue) codes")
        if !tuned.reached {
            Terminal.printError(String(format: "no rescore factor reached recall %.3f (best %.4f with every row a candidate)", targetRecall, tuned.recall))
        }
        guard !dryRun else { return }
        try storeSettings(in: folder, rescoreSettings(tuned.value, of: quantized.format.encoding, recall: tuned.recall, queries: tuned.queries))
        print(String(format: "stored rescore %d (recall@%d %.4f, target %.3f) in %@", tuned.value, k, tuned.recall, targetRecall, index.path))
    }

    /// The table of measured values (the knobs' names head the first columns), the chosen one marked.
    private func printPoints(_ knobs: [String], _ points: [(values: [Int], recall: Double, queriesPerSecond: Double)], chosen: [Int],
                             queries: Int, of what: String) {
        print(knobs.joined(separator: "  ") + "  recall@\(k)   queries/s   (\(queries) "
              + "\(csv == nil ? "stored rows, leave-one-out" : "queries from \(csv!)"), \(what))")
        for p in points {
            let mark = p.values == chosen ? "  <- chosen" : ""
            let values = zip(knobs, p.values).map { String(format: "%\($0.0.count)d", $0.1) }.joined(separator: "  ")
            print(values + String(format: "  %9.4f  %10.0f", p.recall, p.queriesPerSecond) + mark)
        }
    }

    /// The queries to measure with: the rows of --csv embedded, or a seeded sample of live stored
    /// rows with the row each came from (left out of both result lists).
    private func sampleQueries(_ store: IndexStore) throws -> (Matrix, [Int]?) {
        guard let csv else {
            let picked = IVFIndex.sampleRows(of: store.flat, count: sample, seed: seed, live: store.live)
            return (picked.queries, picked.rows)
        }
        let embedder = try embedding.make(for: store.manifest)
        try LocalVectorStore(store).check(embedderIdentifier: embedder.identifier, dimension: embedder.dimension)
        let dataset = Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn, labelColumn: nil)
        var texts: [String] = []
        try dataset.forEachBatch(256) { batch in texts.append(contentsOf: batch.prefix(sample - texts.count).map(\.text)) }
        return (try embedder.embed(texts, as: .query), nil)
    }

    /// Settings only, through the store's own write (the folder's lock keeps a concurrent writer out).
    private func storeSettings(in folder: FolderVectorStore, _ settings: [String: String]) throws {
        let write = try folder.beginWrite(appendingRows: false)
        do {
            for (key, value) in settings.sorted(by: { $0.key < $1.key }) { write.parts!.setSetting(key, value) }
            _ = try write.commit()
        } catch {
            write.abandon()
            throw error
        }
    }
}

// IndexBuildCommand: `rag index build --csv FILE [--kind ivf] [--vectors int8|f16|bf16]`: embed every row and write the index folder atomically.
import ArgumentParser
import Foundation
import RAG
import LinearAlgebra
import VectorSearch

enum IndexKind: String, ExpressibleByArgument, CaseIterable {
    case flat, ivf, hnsw

    var workspaceKind: Workspace.Kind { self == .flat ? .flat : .ivf }
}

extension VectorEncoding: ExpressibleByArgument {}

struct IndexBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Embed every row of a CSV and write the index (replacing any index there only once complete).",
        discussion: """
        With --store milvus://HOST:PORT/COLLECTION the rows are embedded here and upserted into a
        new Milvus collection (keyed by row number), which then builds its index (--kind flat: FLAT,
        ivf: IVF_FLAT with --nlist, hnsw: HNSW with M 16, efConstruction 200) and loads. An existing
        collection is refused unless --resume, which continues the build it holds: rows already
        stored are not embedded again, and the batch that was in flight is upserted whole again.

        --vectors int8 also stores each row as 8-bit codes (one byte a dimension, ranges trained on
        the rows): a search scans the codes, keeps k x 4 candidates (`rag query --rescore`) and
        rescores them against the float32 rows, so the scores returned are exact. With --kind ivf the
        IVF lists carry their rows' codes too: a query scans its probed lists' codes, then rescores.
        --vectors f16 (IEEE half precision) or bf16 (bfloat16) stores two bytes a dimension instead:
        half the bytes of float32 to scan, candidates chosen on nearly exact scores.
        """
    )

    @OptionGroup var rows: RowSourceOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    @Option(help: "flat (exact search only) or ivf (also inverted lists: k-means on the rows, faster search of large indexes); hnsw with --store only.")
    var kind: IndexKind = .flat

    @Flag(help: "With --store: continue the build an interrupted run left in the collection.")
    var resume = false

    @Option(help: "IVF lists (default: about 4·sqrt(rows), a power of two, at least 39 rows per list).")
    var nlist: Int?

    @Option(help: "f32 (the scan reads the float32 rows), int8 (it reads 8-bit codes, of the rows or of the IVF lists, then rescores exactly), f16 or bf16 (16-bit floats, the same way).")
    var vectors: VectorEncoding = .f32

    func validate() throws {
        if let nlist {
            guard kind == .ivf else { throw ValidationError("--nlist needs --kind ivf") }
            guard nlist >= 1 else { throw ValidationError("--nlist must be at least 1") }
        }
        if vectors != .f32 {
            guard index.remote == nil else {
                throw ValidationError("--vectors \(vectors.rawValue) is for index folders: Milvus stores the vectors its own way (its IVF_SQ8 is not mapped yet)")
            }
        }
        if index.remote == nil {
            guard kind != .hnsw else { throw ValidationError("--kind hnsw needs --store milvus://… (index folders are flat or ivf)") }
            guard !resume else { throw ValidationError("--resume needs --store milvus://… (an index folder is replaced only once complete)") }
        }
    }

    /// The remote store's index for --kind.
    var remoteKind: RemoteIndexKind {
        switch kind {
        case .flat: return .flat
        case .ivf: return .ivf(nlist: nlist)
        case .hnsw: return .hnsw(m: 16, efConstruction: 200)
        }
    }

    func run() throws {
        if let threads = embedding.threads { BLASThreads.set(threads) }
        EmbedderOptions.noteIfEmulated(embedding.precision)
        let dataset = rows.dataset, csv = rows.csv, batchSize = rows.batchSize
        if let remote = index.remote {
            let store = try RemoteStores.connect(remote)
            let progress = ProgressReporter("embedding \(csv) into \(remote)", total: nil)
            let workspace = try Workspace.build(from: dataset, into: store, embedder: try embedding.choice, index: remoteKind,
                                                resume: resume, batchSize: batchSize, progress: progress.update)
            progress.finish()
            let r = workspace.remoteBuildReport!
            print(String(format: "indexed %d rows (%d labels) from %@ into %@ in %.1f s with %@%@",
                         r.rows, workspace.snapshot.labels.count, csv, remote, r.embeddingSeconds + r.storingSeconds + r.committingSeconds,
                         workspace.embedder.identifier, r.resumedFrom > 0 ? " (resumed: \(r.resumedFrom) rows were stored already)" : ""))
            print(String(format: "time: embedding %.1f s (here), upserting %.1f s, flush + index + load %.1f s (%@)",
                         r.embeddingSeconds, r.storingSeconds, r.committingSeconds, remote))
            return
        }
        let progress = ProgressReporter("embedding \(csv)", total: nil)
        let start = Date()
        let workspace = try Workspace.build(from: dataset, into: index.url, embedder: try embedding.choice, kind: kind.workspaceKind,
                                            nlist: nlist, vectors: vectors, batchSize: batchSize, progress: progress.update)
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let s = workspace.snapshot
        print(String(format: "indexed %d rows (%d labels) from %@ into %@ in %.1f s with %@",
                     s.count, s.labels.count, csv, index.path, seconds, workspace.embedder.identifier))
        if vectors != .f32 {
            print("\(vectors.rawValue): \(vectors.bytesPerDimension * s.store.dimension) bytes a row scanned (the float32 rows kept for the exact rescoring); k x \(QuantizedFlatIndex.defaultRescore) candidates")
        }
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

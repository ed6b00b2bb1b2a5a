// localrag-bench: one measurement per process (flat search, MiniLM embedding or CSV reading), printed as one
// JSON object, so that anchors/*_side_by_side.py can alternate it with faiss, sentence-transformers and
// onnxruntime, and anchors/csv_side_by_side.py with the two Swift CSV packages and Python's csv module.
import BenchSupport
import Foundation
import LinearAlgebra
import TextEmbedding
import VectorSearch

let usage = """
usage: localrag-bench <command> [options]

  flat   --n 100k|1m|N [--threads T] [--reps R] [--singles S] [--k K] [--data DIR] [--copy]
         [--vectors f32|int8|f16|bf16] [--rescore F] [--no-single] [--no-recall-check]
         Exact search of the shared anchors' synthetic set (DIR or $LOCALRAG_BENCH_DATA or
         /tmp/anchors-data): the 1000-query batch and S single queries (default 300 at N <= 100k,
         100 above), R repetitions after a warm-up; recall@10 against gt_<N>.i32. With
         --vectors int8 the scan reads 8-bit codes (trained and encoded in the process, timed as
         "encode"; f16, bf16: 16-bit floats) and rescores k x F candidates (default 4) against the
         float32 rows. Exit status 2 when recall@10 is below 1 (below 0.99 with codes).
  embed  [--threads T] [--reps R] [--csv FILE] [--column text] [--limit N] [--model-dir DIR]
         [--latency-queries FILE.json] [--latency-count 200] [--no-latency] [--token-budget B]
         [--save-embeddings FILE.f32] [--precision f32|bf16]
         MiniLM embeddings of the CSV's text column (default <repo>/data/train.csv), tokenising
         and normalisation included, R repetitions after a warm-up; single short-query latency.
         --precision bf16: the dense layers in bfloat16 (GEMM.multiplyBFloat16).
  csv    --parser localrag|localrag-records|swiftcsv|swiftcsv-callback|csv.swift --file FILE.csv [--reps 5]
         [--text-column text] [--label-column label_text] [--fixtures FILE.json]
         [--expect-rows N --expect-fnv HEX] [--sample N]
         One CSV parser over FILE: a correctness pass (rows, FNV-1a 64 of every text 0x1F label 0x1E,
         checked against the fixture entry named like FILE, default
         <repo>/Tests/RAGTests/Fixtures/csv_fingerprints.json), then R timed passes, each reading
         FILE from disk again. Exit status 3 (with "error" in the JSON) when the parser throws.
  ivf    IVFIndex built and swept over nprobe (`localrag-bench ivf --help`).
  milvus The same sweep through MilvusStore against a Milvus server (`localrag-bench milvus --help`).
  filtered --vectors FILE.f32 --queries FILE.f32 --buckets FILE.i32 [--filters 'none;bucket < 10;bucket < 1']
         An index folder with a metadata column, single queries per filter: exact and IVF latency,
         IVF recall against the exact filtered answer (`localrag-bench filtered --help`).

Every command prints one JSON object: medians, per-repetition times, the cores other processes
used during each measurement ("others_cores", from /proc/stat) and peak RSS (VmHWM).
"""

func runFlat(_ f: Flags) throws -> Int32 {
    try f.check(known: ["n", "threads", "reps", "singles", "k", "data", "copy", "vectors", "rescore", "no-single", "no-recall-check"])
    guard let nText = f.string("n"), let n = FlatData.parseSize(nText) else { throw BenchError.usage("flat needs --n 100k|1m|N") }
    let threads = try f.int("threads", default: 1)
    let reps = max(1, try f.int("reps", default: 3))
    let singles = min(FlatData.queryCount, max(0, try f.int("singles", default: n <= 100_000 ? 300 : 100)))
    let k = try f.int("k", default: 10)
    let folder = f.string("data").map { URL(fileURLWithPath: $0) } ?? FlatData.defaultFolder
    guard FlatData.exists(n: n, folder: folder) else {
        throw BenchError.missing("no data for N=\(FlatData.label(n)) in \(folder.path): run anchors/flat_side_by_side.py (it generates it) "
                                 + "or shared/anchors/retrieval/anchors.py run --sections data")
    }
    BLASThreads.set(threads)
    let (data, load) = try measure { try FlatData(n: n, folder: folder, mapped: !f.has("copy")) }
    let vectors = f.string("vectors") ?? "f32"
    guard let encoding = VectorEncoding(rawValue: vectors) else { throw BenchError.usage("--vectors is f32, f16, bf16 or int8, not \(vectors)") }
    let rescore = try f.int("rescore", default: QuantizedFlatIndex.defaultRescore)
    let flat = FlatIndex(storage: data.storage)
    var index: any VectorIndex = flat
    var encode: BenchSupport.Measurement?
    if encoding != .f32 {
        let (quantized, m) = measure { QuantizedFlatIndex(encoding: flat, as: encoding, rescore: rescore) }
        index = quantized
        encode = m
    }
    let recallFloor = encoding == .f32 ? 1.0 : 0.99
    let singleQueries = (0..<singles).map { data.query($0) }

    // Warm-up as the anchors do (a 400-query batch; it also faults in every page of a mapped base).
    _ = index.search(data.queries.rows(0..<400), k: k)
    for q in singleQueries.prefix(10) { _ = index.search(q, k: k) }

    var batchTimes: [Double] = [], batchOthers: [Double] = [], batchCPU: [Double] = []
    var p50s: [Double] = [], p99s: [Double] = [], singleQPS: [Double] = [], singleOthers: [Double] = []
    var batchResult: SearchResult?
    var singleIDs: [Int] = []
    var singleK = k
    for _ in 0..<reps {
        let (r, m) = measure { index.search(data.queries, k: k) }
        batchResult = r
        batchTimes.append(m.seconds)
        batchOthers.append(m.othersCores)
        batchCPU.append(m.seconds > 0 ? m.cpuSeconds / m.seconds : 0)
        if singles > 0 && !f.has("no-single") {
            var lat = [Double](repeating: 0, count: singles)
            var ids: [Int] = []
            let (_, ms) = measure {
                for (i, q) in singleQueries.enumerated() {
                    let t0 = now()
                    let r = index.search(q, k: k)
                    lat[i] = now() - t0
                    ids.append(contentsOf: r.ids)
                    singleK = r.k
                }
            }
            singleIDs = ids
            p50s.append(percentile(lat, 0.5))
            p99s.append(percentile(lat, 0.99))
            singleQPS.append(Double(singles) / ms.seconds)
            singleOthers.append(ms.othersCores)
        }
    }
    let recallBatch = batchResult.map { data.recall($0) } ?? 0
    var out: [String: Any] = [
        "bench": "flat", "engine": "localrag", "n": n, "label": data.label, "k": k,
        "threads": threads, "blas_threads": BLASThreads.count, "reps": reps,
        "base": f.has("copy") ? "copied" : "mmap", "load": load.json, "vectors": vectors,
        "bytes_per_vector": data.storage.dimension * encoding.bytesPerDimension,
        "batch": [
            "queries": data.queries.rows, "times_s": batchTimes, "median_s": median(batchTimes),
            "min_s": batchTimes.min() ?? 0, "qps": Double(data.queries.rows) / median(batchTimes),
            "spread": spread(batchTimes), "others_cores": batchOthers, "others_max": batchOthers.filter(\.isFinite).max() ?? 0,
            "cpu_per_wall": batchCPU,
        ] as [String: Any],
        "recall_at_10": ["batch": recallBatch] as [String: Any],
    ]
    if let encode {
        out["encode"] = encode.json
        out["rescore"] = rescore
    }
    var recallOK = recallBatch >= recallFloor
    if !p50s.isEmpty {
        let recallSingle = recallAtK(found: singleIDs, foundK: singleK, truth: data.truth, truthK: FlatData.truthK, queries: singles)
        recallOK = recallOK && recallSingle >= recallFloor
        out["single"] = [
            "n_queries": singles, "p50_s": median(p50s), "p99_s": median(p99s), "p50_ms": median(p50s) * 1e3,
            "p50_s_all": p50s, "qps": median(singleQPS), "qps_all": singleQPS, "spread": spread(singleQPS),
            "others_cores": singleOthers, "others_max": singleOthers.filter(\.isFinite).max() ?? 0,
        ] as [String: Any]
        out["recall_at_10"] = ["batch": recallBatch, "single": recallSingle]
    }
    out["recall_ok"] = recallOK
    addProcessInfo(&out)
    printJSON(out)
    if !recallOK && !f.has("no-recall-check") {
        note("localrag-bench: recall@10 below \(recallFloor) (\(out["recall_at_10"]!))")
        return 2
    }
    return 0
}

func runEmbed(_ f: Flags) throws -> Int32 {
    try f.check(known: ["threads", "reps", "csv", "column", "limit", "model-dir", "latency-queries", "latency-count",
                        "no-latency", "token-budget", "save-embeddings", "precision"])
    let threads = try f.int("threads", default: 1)
    let reps = max(1, try f.int("reps", default: 3))
    let csv = f.string("csv").map { URL(fileURLWithPath: $0) } ?? Corpus.defaultCSV
    let limit = f.string("limit") == nil ? nil : try f.int("limit", default: 0)
    let modelDir = f.string("model-dir").map { URL(fileURLWithPath: $0) } ?? Corpus.defaultModelDir
    BLASThreads.set(threads)

    guard let precision = EncoderPrecision(rawValue: f.string("precision") ?? "f32") else {
        throw BenchError.usage("--precision f32 or bf16")
    }
    let (loaded, load) = try measure { try EncoderLoader.load(from: modelDir).at(precision) }
    var encoder = loaded
    if f.string("token-budget") != nil { encoder.tokenBudget = try f.int("token-budget", default: encoder.tokenBudget) }
    let texts = try Corpus.texts(csv: csv, column: f.string("column") ?? "text", limit: limit)
    guard !texts.isEmpty else { throw BenchError.usage("no texts in \(csv.path)") }
    let (lengths, tok) = measure { texts.map { encoder.tokenizer.encode($0).count } }
    let totalTokens = lengths.reduce(0, +)

    _ = try encoder.embed(Array(texts.prefix(64)))          // warm-up
    var walls: [Double] = [], cpus: [Double] = [], others: [Double] = [], runs: [[String: Any]] = []
    var first: Matrix?
    for _ in 0..<reps {
        let (m, meas) = try measure { try encoder.embed(texts) }
        if first == nil { first = m }
        walls.append(meas.seconds)
        cpus.append(meas.seconds > 0 ? meas.cpuSeconds / meas.seconds : 0)
        others.append(meas.othersCores)
        runs.append(meas.json)
    }
    if let path = f.string("save-embeddings"), let m = first {
        let data = m.storage.withUnsafeBufferPointer { Data(buffer: $0) }
        try data.write(to: URL(fileURLWithPath: path))
    }
    let w = median(walls)
    var out: [String: Any] = [
        "bench": "embed", "engine": "localrag", "threads": threads, "blas_threads": BLASThreads.count, "reps": reps,
        "model": encoder.identifier, "model_dir": modelDir.path, "token_budget": encoder.tokenBudget,
        "precision": precision.rawValue, "half_path": HalfPath.current.description,
        "corpus": csv.path, "n_texts": texts.count, "corpus_fnv1a64": corpusHash(texts),
        "tokens": ["total": totalTokens, "mean": Double(totalTokens) / Double(texts.count), "max": lengths.max() ?? 0] as [String: Any],
        "load": load.json, "tokenizer_only": tok.json,
        "batch": [
            "runs": runs, "wall_s": walls, "median_wall_s": w, "sentences_per_s": Double(texts.count) / w,
            "tokens_per_s": Double(totalTokens) / w, "spread": spread(walls), "cpu_per_wall": median(cpus),
            "others_cores": others, "others_max": others.filter(\.isFinite).max() ?? 0,
        ] as [String: Any],
    ]
    if !f.has("no-latency") {
        let queries: [String]
        if let qf = f.string("latency-queries") {
            queries = try Corpus.readStrings(URL(fileURLWithPath: qf))
        } else {
            queries = Corpus.latencyQueries(texts, tokenizer: encoder.tokenizer, count: try f.int("latency-count", default: 200))
        }
        if !queries.isEmpty {
            for q in queries.prefix(20) { _ = try encoder.embed([q]) }
            var lat: [Double] = []
            let (_, m) = try measure {
                for q in queries {
                    let t0 = now()
                    _ = try encoder.embed([q])
                    lat.append(now() - t0)
                }
            }
            let qTokens = queries.map { encoder.tokenizer.encode($0).count }
            out["latency"] = [
                "n": lat.count, "mean_tokens": Double(qTokens.reduce(0, +)) / Double(qTokens.count),
                "p50_ms": percentile(lat, 0.5) * 1e3, "p90_ms": percentile(lat, 0.9) * 1e3,
                "mean_ms": lat.reduce(0, +) / Double(lat.count) * 1e3,
            ].merging(m.json) { a, _ in a }
        }
    }
    addProcessInfo(&out)
    printJSON(out)
    return 0
}

func addProcessInfo(_ out: inout [String: Any]) {
    let mem = memoryStatus()
    out["peak_rss_bytes"] = mem.peak
    out["rss_bytes"] = mem.current
    out["blas_core"] = BLASInfo.coreName ?? NSNull()
    out["blas_config"] = BLASInfo.config ?? NSNull()
    out["env"] = BLASInfo.environment
    out["loadavg_end"] = loadAverage()
}

// Full-speed OpenBLAS kernels, as `rag` runs (re-executes once when OpenBLAS picked a weak core
// and OPENBLAS_CORETYPE is unset); every record names the CPU, the core and the SIMD path.
BLASCore.ensureFullSpeed()
let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first, !["-h", "--help", "help"].contains(command) else {
    print(usage)
    exit(args.isEmpty ? 64 : 0)
}
do {
    switch command {
    case "flat":
        exit(try runFlat(Flags(Array(args.dropFirst()), switchNames: ["copy", "no-single", "no-recall-check"])))
    case "embed":
        exit(try runEmbed(Flags(Array(args.dropFirst()), switchNames: ["no-latency"])))
    case "csv":
        exit(try runCSV(Flags(Array(args.dropFirst()), switchNames: [])))
    case "ivf":
        exit(try runIVF(Flags(Array(args.dropFirst()), switchNames: IVFBench.switches)))
    case "milvus":
        exit(try runMilvus(Flags(Array(args.dropFirst()), switchNames: MilvusBench.switches)))
    case "filtered":
        exit(try FilteredBench.run(Flags(Array(args.dropFirst()), switchNames: FilteredBench.switches)))
    default:
        note("unknown command '\(command)'\n\n" + usage)
        exit(64)
    }
} catch {
    note("localrag-bench: \(error)")
    exit(1)
}

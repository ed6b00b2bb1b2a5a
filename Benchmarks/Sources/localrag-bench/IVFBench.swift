// IVFBench: `localrag-bench ivf`: an IVFIndex (its lists' codes with --codes int8|f16|bf16) trained and filled as the anchors drive faiss's IndexIVFFlat, then an nprobe sweep (recall@10, batch QPS, single-query latency) with RAM and disk bytes per vector.
import BenchSupport
import Foundation
import LinearAlgebra
import VectorSearch
#if canImport(Glibc)
import Glibc
#endif

/// `localrag-bench ivf`. Mirrors shared/anchors/retrieval/anchors.py `section_ivf`: nlist = the power
/// of two nearest 4·√N, k-means (spherical, 10 iterations, seed 1234) on the first
/// min(N, 40·nlist) base rows, every row added to its list; then for each nprobe the 1000-query
/// batch (one `search` call, after one warm-up call) and single queries one call each.
enum IVFBench {
    static let switches: Set<String> = ["copy", "no-single", "kmeans-every-centroid", "help"]
    static let known: Set<String> = ["n", "data", "vectors", "queries", "gt", "holdout", "dim", "nlist", "threads", "reps",
                                     "nprobes", "train-size", "train-per-list", "singles", "k", "seed", "copy", "no-single",
                                     "write-index", "codes", "rescore", "kmeans-every-centroid", "help"]

    static let usage = """
    usage: localrag-bench ivf (--n 100k|1m|N [--data DIR] | --vectors FILE.f32 [--queries FILE.f32 [--gt FILE.i32]]
                                [--holdout 1000] [--dim 384])
           [--nlist L] [--threads T] [--reps R] [--nprobes 1,2,4,8,16,32,64] [--train-size S | --train-per-list 40]
           [--singles S] [--k 10] [--seed 1234] [--copy] [--no-single] [--write-index DIR] [--codes int8|f16|bf16 [--rescore 4]]
           [--kmeans-every-centroid]

      Data: the shared anchors' synthetic set (--n, files in DIR or $LOCALRAG_BENCH_DATA or /tmp/anchors-data,
      ground truth gt_<N>.i32), or any little-endian float32 file of unit rows (--vectors): with --queries the
      queries come from that file and the truth from --gt (int32 [nq x K]) or, without it, from an exact
      FlatIndex search; without --queries, --holdout H seeded rows (default 1000) become the queries and the
      rest the base. nlist defaults to the power of two nearest 4·sqrt(N) (the anchors' nlist_for), the
      training sample to the first min(N, 40·nlist) rows, as faiss is driven in anchors.py.
      Per nprobe: recall@10 (batch and singles), vectors scanned per query, the batch (R timed calls after a
      warm-up; QPS = queries / median), S single queries (default 1000 at N <= 100k, 300 above; p50/p99 per
      pass, median over R passes). Memory: RSS growth from build over the raw vectors (made resident first),
      per vector; peak RSS (VmHWM). Disk: the IVF part's bytes per vector from the on-disk format, and with
      --write-index the real index folder (IndexWriter + IVFIndex.build, same nlist and sample size).
      --codes int8: the lists also get their int8 codes (a quantizer trained on every row, as `rag index build
      --kind ivf --vectors int8` does; timed apart as "encode"; f16, bf16: 16-bit floats) and the sweep searches
      them (QuantizedIVFIndex: the probed lists' codes scanned, k x rescore candidates rescored against the
      float32 list vectors).
      --kmeans-every-centroid: every k-means assignment step scores every centroid (faiss's way) instead of
      only those the last update moved (the same centroids; train.scored_share says how much was scored).
    """

    /// The anchors' `nlist_for`: the power of two nearest 4·√n on a log scale.
    static func nlistFor(_ n: Int) -> Int {
        1 << Int((log2(4 * Double(n).squareRoot())).rounded())
    }

    struct DataSet {
        var label: String
        var source: String
        /// `[n x d]` base rows.
        var base: VectorStorage
        var baseMode: String
        /// `[nq x d]` queries.
        var queries: Matrix
        /// `[nq x truthK]` exact top ids, best first.
        var truth: [Int32]
        var truthK: Int
        var truthSource: String
        var extra: [String: Any] = [:]
    }

    static func run(_ f: Flags) throws -> Int32 {
        if f.has("help") { print(usage); return 0 }
        try f.check(known: known)
        let threads = max(1, try f.int("threads", default: 1))
        let reps = max(1, try f.int("reps", default: 3))
        let k = try f.int("k", default: 10)
        let seed = UInt64(try f.int("seed", default: 1234))
        BLASThreads.set(threads)

        let (data, load) = try measure { try loadData(f) }
        let base = data.base, queries = data.queries
        let n = base.count, d = base.dimension, nq = queries.rows
        let nlist = try f.int("nlist", default: nlistFor(n))
        let perList = try f.int("train-per-list", default: 40)
        let ntrain = min(n, try f.int("train-size", default: perList * nlist))
        guard nlist >= 1, nlist <= ntrain else { throw BenchError.usage("nlist \(nlist) needs at least as many training rows (\(ntrain))") }
        let nprobes = try parseList(f.string("nprobes") ?? "1,2,4,8,16,32,64").filter { $0 >= 1 && $0 <= nlist }
        let singles = f.has("no-single") ? 0 : min(nq, max(0, try f.int("singles", default: n <= 100_000 ? 1000 : 300)))
        let codes = f.string("codes")
        let encoding = codes.flatMap(VectorEncoding.init(rawValue:))
        guard codes == nil || (encoding != nil && encoding != .f32) else { throw BenchError.usage("--codes takes int8, f16 or bf16") }
        let rescore = try f.int("rescore", default: QuantizedFlatIndex.defaultRescore)
        guard rescore >= 1 else { throw BenchError.usage("--rescore must be at least 1") }

        // The raw vectors are resident before the baseline, as the NumPy copy faiss adds from is.
        let (_, touch) = measure { touchPages(base) }
        let rss0 = memoryStatus()

        // Train: k-means on the first ntrain rows (copied into a Matrix, as `IVFIndex.train(on: Matrix)`
        // takes them; the copy is inside the timed region and reported apart).
        let ((quantizer, km, copySeconds), train) = try measure { () throws -> (FlatIndex, KMeans.Result, Double) in
            let t0 = now()
            let sample = Matrix(rows: ntrain, cols: d, storage: Array(UnsafeBufferPointer(start: base.pointer, count: ntrain * d)))
            let copied = now() - t0
            var configuration = IVFIndex.trainingConfiguration(seed: seed)
            configuration.scoresMovedCentroidsOnly = !f.has("kmeans-every-centroid")
            let r = try KMeans(clusters: nlist, configuration: configuration).train(sample)
            return (FlatIndex(vectors: r.centroids), r, copied)
        }
        let rssTrained = memoryStatus()
        // Add: every row to the list of its nearest centroid (faiss's `add`).
        let (index, add) = measure { IVFIndex(quantizer: quantizer, vectors: base) }
        // With codes: the quantizer trained on every row and the lists encoded (what the index build adds).
        let (quantized, encode) = measure { () -> QuantizedIVFIndex? in
            guard let encoding else { return nil }
            let format = CodeFormat.trained(encoding, blocks: index.parts.map { ($0.vectors.pointer, $0.count) }, dimension: d)
            return QuantizedIVFIndex(encoding: index, format: format, rescore: rescore)
        }
        let searched: any VectorIndex = quantized ?? index
        let rss1 = memoryStatus()
        // What of the growth is free heap glibc kept (k-means' working buffers) rather than the index.
        let trimmed = mallocTrim() ? memoryStatus().current : nil

        let sizes = index.lists.sizes
        let sumSq = sizes.reduce(0.0) { $0 + Double($1) * Double($1) }
        let imbalance = Double(nlist) * sumSq / (Double(n) * Double(n))   // faiss imbalance_factor
        let codeBytes = encoding.map { n * d * $0.bytesPerDimension + ($0 == .int8 ? 16 + 8 * d : 0) } ?? 0
        let indexBytes = n * d * 4 + n * 4 + (nlist + 1) * 8 + nlist * d * 4 + codeBytes
        let diskIVF = nlist * d * 4 + (32 + 8 * (nlist + 1) + 4 * n) + n * d * 4 + codeBytes

        var sweep: [[String: Any]] = []
        let singleQueries = (0..<singles).map { queries.rows($0..<($0 + 1)) }
        for np in nprobes {
            let params = SearchParameters(nprobe: np)
            let (warm, warmM) = measure { searched.search(queries, k: k, parameters: params) }
            let coarse = quantizer.search(queries, k: np)
            let scanned = coarse.ids.reduce(0) { $0 + ($1 >= 0 ? sizes[$1] : 0) }
            var times: [Double] = [], others: [Double] = [], cpu: [Double] = [], cpuSeconds: [Double] = []
            var last = warm
            for _ in 0..<reps {
                let (r, m) = measure { searched.search(queries, k: k, parameters: params) }
                last = r
                times.append(m.seconds)
                others.append(m.othersCores)
                cpu.append(m.seconds > 0 ? m.cpuSeconds / m.seconds : 0)
                cpuSeconds.append(m.cpuSeconds)
            }
            var row: [String: Any] = [
                "nprobe": np, "scanned_per_query": Double(scanned) / Double(nq),
                "warmup": warmM.json,
                "batch": [
                    "queries": nq, "times_s": times, "median_s": median(times), "min_s": times.min() ?? 0,
                    "qps": Double(nq) / median(times), "spread": spread(times), "others_cores": others,
                    "others_max": others.filter(\.isFinite).max() ?? .nan, "cpu_per_wall": cpu, "cpu_s": cpuSeconds,
                ] as [String: Any],
            ]
            var recall: [String: Any] = ["batch": recallAtK(found: last.ids, foundK: last.k, truth: data.truth,
                                                            truthK: data.truthK, queries: nq, k: 10)]
            if singles > 0 {
                for q in singleQueries.prefix(10) { _ = searched.search(q, k: k, parameters: params) }
                var p50s: [Double] = [], p99s: [Double] = [], qps: [Double] = [], sOthers: [Double] = [], sCPU = 0.0
                var ids: [Int] = []
                var foundK = k
                for rep in 0..<reps {
                    var lat = [Double](repeating: 0, count: singles)
                    var passIDs: [Int] = []
                    passIDs.reserveCapacity(singles * k)
                    let (_, m) = measure {
                        for (i, q) in singleQueries.enumerated() {
                            let t0 = now()
                            let r = searched.search(q, k: k, parameters: params)
                            lat[i] = now() - t0
                            passIDs.append(contentsOf: r.ids)
                            foundK = r.k
                        }
                    }
                    if rep == 0 { ids = passIDs }
                    p50s.append(percentile(lat, 0.5))
                    p99s.append(percentile(lat, 0.99))
                    qps.append(Double(singles) / m.seconds)
                    sOthers.append(m.othersCores)
                    sCPU += m.cpuSeconds
                }
                recall["single"] = recallAtK(found: ids, foundK: foundK, truth: data.truth, truthK: data.truthK,
                                             queries: singles, k: 10)
                row["single"] = [
                    "n_queries": singles, "p50_s": median(p50s), "p99_s": median(p99s), "p50_ms": median(p50s) * 1e3,
                    "p50_s_all": p50s, "qps": median(qps), "qps_all": qps, "spread": spread(qps),
                    "others_cores": sOthers, "others_max": sOthers.filter(\.isFinite).max() ?? .nan,
                    "cpu_s_per_query": sCPU / Double(singles * reps),
                ] as [String: Any]
            }
            row["recall_at_10"] = recall
            sweep.append(row)
            note("ivf \(data.label) nlist=\(nlist) \(threads)t nprobe=\(np): recall \(String(format: "%.3f", recall["batch"] as! Double)) "
                 + "batch \(Int(Double(nq) / median(times))) QPS"
                 + ((row["single"] as? [String: Any]).map { ", single p50 \(String(format: "%.3f", $0["p50_ms"] as! Double)) ms" } ?? ""))
        }

        let raw = Double(d * 4)
        let growth = Double(rss1.current - rss0.current) / Double(n)
        var out: [String: Any] = [
            "bench": "ivf", "engine": "localrag", "dataset": data.label, "source": data.source, "n": n, "dimension": d,
            "queries": nq, "k": k, "nlist": nlist, "ntrain": ntrain, "seed": seed, "threads": threads,
            "blas_threads": BLASThreads.count, "reps": reps, "singles": singles, "base": data.baseMode,
            "truth": ["source": data.truthSource, "k": data.truthK] as [String: Any],
            "load": load.json, "touch": touch.json,
            "train": train.json.merging([
                "sample_copy_s": copySeconds, "iterations": km.iterations, "spherical": true,
                "objective": km.objective, "training_points": km.trainingPoints, "splits": km.splits,
                "empty_clusters": km.emptyClusters, "under_trained": km.underTrained,
                "phases_s": ["initialization": km.seconds.initialization, "assignment": km.seconds.assignment,
                             "update": km.seconds.update, "split": km.seconds.split],
                "scored_share": km.scoredShare, "scores_moved_centroids_only": !f.has("kmeans-every-centroid"),
            ]) { a, _ in a },
            "add": add.json,
            "codes": codes.map { ["kind": $0, "rescore": rescore, "encode": encode.json, "bytes_per_vector_scanned": d * (encoding?.bytesPerDimension ?? 4)] as [String: Any] } ?? NSNull(),
            "lists": ["imbalance": imbalance, "empty": sizes.filter { $0 == 0 }.count, "largest": sizes.max() ?? 0] as [String: Any],
            "memory": [
                "raw_bytes_per_vector": raw,
                "rss_before_build": rss0.current, "rss_after_train": rssTrained.current, "rss_after_build": rss1.current,
                "rss_growth_per_vector": growth, "rss_growth_ratio_to_raw": growth / raw,
                "peak_growth_per_vector": Double(rss1.peak - rss0.current) / Double(n),
                "rss_growth_per_vector_after_malloc_trim": trimmed.map { Double($0 - rss0.current) / Double(n) } ?? .nan,
                "index_bytes_per_vector": Double(indexBytes) / Double(n),
                "index_bytes_ratio_to_raw": Double(indexBytes) / Double(n) / raw,
            ] as [String: Any],
            "disk": [
                "ivf_part_bytes_per_vector": Double(diskIVF) / Double(n),
                "ivf_part_ratio_to_raw": Double(diskIVF) / Double(n) / raw,
                "note": "ivf_centroids + ivf_lists + ivf_vectors (+ ivf_codes and the int8 quantizer with --codes) as the store writes them; an index folder also keeps the flat vectors file and the documents",
            ] as [String: Any],
            "sweep": sweep,
        ]
        for (key, v) in data.extra { out[key] = v }
        out["memory"] = (out["memory"] as! [String: Any]).merging(["peak_rss_after_sweep": memoryStatus().peak]) { a, _ in a }
        if let folder = f.string("write-index") {
            out["disk"] = (out["disk"] as! [String: Any]).merging(
                ["written": try writeIndex(base: base, queries: queries, truth: data.truth, truthK: data.truthK,
                                           folder: URL(fileURLWithPath: folder), nlist: nlist,
                                           perList: max(1, ntrain / nlist), seed: seed, nprobes: nprobes, k: k,
                                           codes: encoding)]) { a, _ in a }
        }
        addProcessInfo(&out)
        printJSON(out)
        return 0
    }

    // MARK: Data

    static func loadData(_ f: Flags) throws -> DataSet {
        if let nText = f.string("n") {
            guard f.string("vectors") == nil else { throw BenchError.usage("ivf takes --n or --vectors, not both") }
            guard let n = FlatData.parseSize(nText) else { throw BenchError.usage("ivf needs --n 100k|1m|N") }
            let folder = f.string("data").map { URL(fileURLWithPath: $0) } ?? FlatData.defaultFolder
            guard FlatData.exists(n: n, folder: folder) else {
                throw BenchError.missing("no data for N=\(FlatData.label(n)) in \(folder.path): run anchors/flat_side_by_side.py "
                                         + "or anchors/ivf_side_by_side.py (they generate it)")
            }
            let data = try FlatData(n: n, folder: folder, mapped: !f.has("copy"))
            return DataSet(label: data.label, source: FlatData.baseURL(n: n, folder: folder).path, base: data.storage,
                           baseMode: f.has("copy") ? "copied" : "mmap", queries: data.queries, truth: data.truth,
                           truthK: FlatData.truthK, truthSource: "gt_\(data.label).i32")
        }
        guard let path = f.string("vectors") else { throw BenchError.usage("ivf needs --n 100k|1m|N or --vectors FILE.f32\n\n" + usage) }
        let d = try f.int("dim", default: FlatData.dimension)
        let file = try MappedFile(URL(fileURLWithPath: path))
        guard file.size > 0, file.size % (4 * d) == 0 else { throw BenchError.badFile(path, "\(file.size) bytes is not a whole number of \(d)-float rows") }
        let all = try VectorStorage(mapped: file, count: file.size / (4 * d), dimension: d)
        let label = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var set: DataSet
        if let qpath = f.string("queries") {
            let q = try readFloats(qpath, dimension: d)
            set = DataSet(label: label, source: path, base: all, baseMode: "mmap", queries: q, truth: [], truthK: 10, truthSource: "")
            set.extra["norms"] = normCheck(all, q)
            if let gpath = f.string("gt") {
                let g = try readInt32(gpath)
                guard g.count % q.rows == 0, g.count / q.rows >= 1 else { throw BenchError.badFile(gpath, "\(g.count) ids for \(q.rows) queries") }
                set.truth = g
                set.truthK = g.count / q.rows
                set.truthSource = URL(fileURLWithPath: gpath).lastPathComponent
                return set
            }
        } else {
            let h = try f.int("holdout", default: FlatData.queryCount)
            guard h >= 1, h < all.count else { throw BenchError.usage("--holdout \(h) for \(all.count) rows") }
            let (rows, q) = IVFIndex.sampleRows(of: FlatIndex(storage: all), count: h, seed: 4321)
            let held = Set(rows)
            var rest = [Float]()
            rest.reserveCapacity((all.count - h) * d)
            for r in 0..<all.count where !held.contains(r) {
                rest.append(contentsOf: UnsafeBufferPointer(start: all.row(r), count: d))
            }
            set = DataSet(label: label, source: path, base: VectorStorage(copying: rest, count: all.count - h, dimension: d),
                          baseMode: "copied (rows not held out)", queries: q, truth: [], truthK: 10, truthSource: "")
            set.extra["holdout"] = ["count": h, "seed": 4321, "rows_first": Array(rows.prefix(10))] as [String: Any]
            set.extra["norms"] = normCheck(set.base, q)
        }
        // Exact truth with FlatIndex (float32 sgemm; ties to the lower row).
        let (exact, m) = measure { FlatIndex(storage: set.base).search(set.queries, k: 10) }
        set.truth = exact.ids.map { Int32($0) }
        set.truthK = exact.k
        set.truthSource = "FlatIndex exact search (float32)"
        set.extra["truth_search"] = m.json
        return set
    }

    static func readFloats(_ path: String, dimension d: Int) throws -> Matrix {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard data.count > 0, data.count % (4 * d) == 0 else { throw BenchError.badFile(path, "\(data.count) bytes is not a whole number of \(d)-float rows") }
        let n = data.count / 4
        let v = data.withUnsafeBytes { raw in
            (0..<n).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return Matrix(rows: n / d, cols: d, storage: v)
    }

    static func readInt32(_ path: String) throws -> [Int32] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard data.count % 4 == 0 else { throw BenchError.badFile(path, "\(data.count) bytes is not a whole number of int32") }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
        }
    }

    /// Largest |‖row‖ − 1| over the first 1000 base rows and all queries (IVF assumes unit rows).
    static func normCheck(_ base: VectorStorage, _ q: Matrix) -> [String: Any] {
        func err(_ p: UnsafePointer<Float>, _ d: Int) -> Double {
            var s = 0.0
            for c in 0..<d { s += Double(p[c]) * Double(p[c]) }
            return abs(s.squareRoot() - 1)
        }
        var worst = 0.0
        for r in 0..<min(1000, base.count) { worst = max(worst, err(base.row(r), base.dimension)) }
        q.storage.withUnsafeBufferPointer { b in
            for r in 0..<q.rows { worst = max(worst, err(b.baseAddress! + r * q.cols, q.cols)) }
        }
        if worst > 1e-3 { note("localrag-bench ivf: rows are not unit length (max |norm - 1| = \(worst)); inner product is not cosine") }
        return ["max_abs_norm_error": worst]
    }

    /// Reads one float per page so a mapped base is resident (and a copied one warm).
    static func touchPages(_ s: VectorStorage) {
        var acc: Float = 0
        let total = s.count * s.dimension
        for i in stride(from: 0, to: total, by: 1024) { acc += s.pointer[i] }
        if acc.isNaN { note("base holds NaN") }
    }

    /// glibc's malloc_trim(0) through dlsym (not in Swift's Glibc module); false when absent.
    static func mallocTrim() -> Bool {
        typealias Fn = @convention(c) (Int) -> Int32
        guard let h = dlopen(nil, RTLD_NOW), let sym = dlsym(h, "malloc_trim") else { return false }
        _ = unsafeBitCast(sym, to: Fn.self)(0)
        return true
    }

    static func parseList(_ s: String) throws -> [Int] {
        try s.split(separator: ",").map {
            guard let v = Int($0.trimmingCharacters(in: .whitespaces)) else { throw BenchError.usage("--nprobes: '\($0)' is not an integer") }
            return v
        }
    }

    // MARK: Disk

    /// Writes a real index folder (flat rows + IVF part, trained by `IVFIndex.build(in:)` with the same
    /// nlist and about the same sample size, a seeded sample rather than the first rows), reopens it
    /// mapped, and reports each file's bytes and the reopened index's recall per nprobe.
    static func writeIndex(base: VectorStorage, queries: Matrix, truth: [Int32], truthK: Int, folder: URL,
                           nlist: Int, perList: Int, seed: UInt64, nprobes: [Int], k: Int, codes: VectorEncoding?) throws -> [String: Any] {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.path) { try fm.removeItem(at: folder) }
        let n = base.count, d = base.dimension
        let (manifest, write) = try measure { () throws -> Manifest in
            let writer = try IndexWriter(folder: folder, embedder: "localrag-bench ivf (raw vectors)", dimension: d)
            let chunk = 16_384
            for r0 in stride(from: 0, to: n, by: chunk) {
                let r1 = min(n, r0 + chunk)
                let m = Matrix(rows: r1 - r0, cols: d, storage: Array(UnsafeBufferPointer(start: base.row(r0), count: (r1 - r0) * d)))
                try writer.append(m, documents: (r0..<r1).map { Document(row: $0, sourceRow: $0, text: "", label: nil, id: "r\($0)") })
            }
            var cfg = IVFIndex.trainingConfiguration(seed: seed)
            cfg.maxPointsPerCentroid = perList
            let format = try codes.map { try QuantizedFlatIndex.build(in: writer, encoding: $0) }
            try IVFIndex.build(in: writer, listCount: nlist, configuration: cfg, targetRecall: nil, codes: format)
            return try writer.commit()
        }
        var files: [String: Any] = [:]
        var total = 0, ivf = 0
        for (role, e) in manifest.files {
            files[role] = e.bytes
            total += e.bytes
            if role.hasPrefix(IVFIndex.kind) || role.hasPrefix(QuantizedFlatIndex.Role.quantizer) { ivf += e.bytes }
        }
        let opened = try FolderVectorStore(opening: folder)
        let mapped: any VectorIndex = opened.quantizedIVF ?? opened.ivf!
        var recall: [String: Double] = [:]
        for np in nprobes {
            let r = mapped.search(queries, k: k, parameters: SearchParameters(nprobe: np))
            recall["\(np)"] = recallAtK(found: r.ids, foundK: r.k, truth: truth, truthK: truthK, queries: queries.rows, k: 10)
        }
        var dirBytes = 0
        for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] {
            let a = try? fm.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            dirBytes += (a?[.size] as? Int) ?? 0
        }
        return ["folder": folder.path, "write": write.json, "files": files, "ivf_part_bytes": ivf,
                "ivf_part_bytes_per_vector": Double(ivf) / Double(n), "folder_bytes": dirBytes,
                "folder_bytes_per_vector": Double(dirBytes) / Double(n), "manifest_files_bytes": total,
                "training_rows_per_list": perList, "reopened_recall_at_10": recall]
    }
}

func runIVF(_ f: Flags) throws -> Int32 { try IVFBench.run(f) }

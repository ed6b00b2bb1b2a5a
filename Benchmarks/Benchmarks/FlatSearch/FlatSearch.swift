// FlatSearch: package-benchmark suite for FlatIndex on the shared anchors' synthetic set: the 1000-query
// batch and single queries, at 1 and 2 BLAS threads, with recall@10 against the exact ground truth.
import Benchmark
import BenchSupport
import Foundation
import LinearAlgebra
import VectorSearch

/// What a flat benchmark needs, built once per benchmark in its setup.
final class FlatState {
    let data: FlatData
    let index: FlatIndex
    let singles: [Matrix]

    init(n: Int, threads: Int, singles: Int) throws {
        BLASThreads.set(threads)
        let data = try FlatData(n: n)
        let index = FlatIndex(storage: data.storage)
        self.data = data
        self.index = index
        self.singles = (0..<singles).map { data.query($0) }
        // Warm-up (faults in every page of the mapped base) and the quality check beside the speed.
        let r = index.search(data.queries, k: 10)
        let recall = data.recall(r)
        guard recall >= 1.0 else {
            throw BenchError.usage("FlatIndex recall@10 = \(recall) < 1.000 on N=\(data.label)")
        }
    }
}

/// recall@10 in thousandths, recorded beside every timing.
let recallMetric = BenchmarkMetric.custom("recall@10 (x1000)", polarity: .prefersLarger, useScalingFactor: false)

/// Process CPU seconds per wall second x100 (about 100 x threads when the BLAS pool really runs them).
let cpuPerWallMetric = BenchmarkMetric.custom("process CPU / wall (x100)", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    // LOCALRAG_BENCH_SIZES=100k,1m (default); sizes whose files are missing under
    // $LOCALRAG_BENCH_DATA (default /tmp/anchors-data) are skipped with a note.
    let env = ProcessInfo.processInfo.environment
    let sizes = (env["LOCALRAG_BENCH_SIZES"] ?? "100k,1m").split(separator: ",")
        .compactMap { FlatData.parseSize(String($0).trimmingCharacters(in: .whitespaces)) }
    for n in sizes where !FlatData.exists(n: n) {
        note("FlatSearch: no data for N=\(FlatData.label(n)) in \(FlatData.defaultFolder.path) (run "
             + "Benchmarks/anchors/flat_side_by_side.py once, or shared/anchors/retrieval/anchors.py run --sections data); skipped")
    }
    for n in sizes where FlatData.exists(n: n) {
        let label = FlatData.label(n)
        let big = n > 100_000
        for threads in [1, 2] {
            Benchmark("Flat batch 1000 queries N=\(label) \(threads)t",
                      configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident, recallMetric, cpuPerWallMetric],
                                           warmupIterations: 1, maxDuration: .seconds(big ? 60 : 20),
                                           maxIterations: big ? 3 : 10)) { benchmark, state in
                let state = state as FlatState
                let c0 = processCPUSeconds(), t0 = now()
                benchmark.startMeasurement()
                let r = state.index.search(state.data.queries, k: 10)
                benchmark.stopMeasurement()
                let cpuPerWall = (processCPUSeconds() - c0) / (now() - t0)
                benchmark.measurement(recallMetric, Int((state.data.recall(r) * 1000).rounded()))
                benchmark.measurement(cpuPerWallMetric, Int((cpuPerWall * 100).rounded()))
                blackHole(r)
            } setup: {
                try FlatState(n: n, threads: threads, singles: 0)
            }

            // One query per iteration (300 at 100k, 100 at 1M, as the anchors count them): the
            // wall-clock percentiles are the single-query latency distribution.
            let count = big ? 100 : 300
            Benchmark("Flat single query N=\(label) \(threads)t",
                      configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput, recallMetric],
                                           warmupIterations: 10, maxDuration: .seconds(big ? 30 : 10),
                                           maxIterations: count)) { benchmark, state in
                let state = state as FlatState
                let i = benchmark.currentIteration % state.singles.count
                benchmark.startMeasurement()
                let r = state.index.search(state.singles[i], k: 10)
                benchmark.stopMeasurement()
                let truth = Array(state.data.truth[(i * 10)..<(i * 10 + 10)])
                benchmark.measurement(recallMetric, Int((recallAtK(found: r.ids, foundK: r.k, truth: truth, truthK: 10, queries: 1) * 1000).rounded()))
                blackHole(r)
            } setup: {
                try FlatState(n: n, threads: threads, singles: count)
            }
        }
    }
}

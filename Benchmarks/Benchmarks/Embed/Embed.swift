// Embed: package-benchmark suite for the MiniLM encoder: the text column of data/train.csv at 1 and 2
// BLAS threads (tokenising and normalisation included), and single short-query latency.
import Benchmark
import BenchSupport
import Foundation
import LinearAlgebra
import TextEmbedding

/// Encoder, texts and latency queries, built once per benchmark in its setup.
final class EmbedState {
    let encoder: SentenceEncoder
    let texts: [String]
    let queries: [String]

    init(threads: Int) throws {
        BLASThreads.set(threads)
        encoder = try EncoderLoader.load(from: Corpus.defaultModelDir)
        // LOCALRAG_BENCH_EMBED_LIMIT=N embeds only the first N texts (default: all 7,500).
        let limit = ProcessInfo.processInfo.environment["LOCALRAG_BENCH_EMBED_LIMIT"].flatMap { Int($0) }
        texts = try Corpus.texts(limit: limit)
        queries = Corpus.latencyQueries(texts, tokenizer: encoder.tokenizer)
        _ = try encoder.embed(Array(texts.prefix(64)))       // warm-up
        for q in queries.prefix(20) { _ = try encoder.embed([q]) }
    }
}

let sentencesPerSecond = BenchmarkMetric.custom("sentences/s", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    for threads in [1, 2] {
        Benchmark("Embed train.csv text column \(threads)t",
                  configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, sentencesPerSecond],
                                       warmupIterations: 0, maxDuration: .seconds(300), maxIterations: 3)) { benchmark, state in
            let state = state as EmbedState
            let t0 = now()
            benchmark.startMeasurement()
            let m = try state.encoder.embed(state.texts)
            benchmark.stopMeasurement()
            benchmark.measurement(sentencesPerSecond, Int((Double(state.texts.count) / (now() - t0)).rounded()))
            blackHole(m)
        } setup: {
            try EmbedState(threads: threads)
        }

        // One short query (<= 20 tokens, the anchors' 200 latency queries) per iteration.
        Benchmark("Embed single short query \(threads)t",
                  configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput],
                                       warmupIterations: 0, maxDuration: .seconds(20), maxIterations: 200)) { benchmark, state in
            let state = state as EmbedState
            let q = state.queries[benchmark.currentIteration % state.queries.count]
            benchmark.startMeasurement()
            let m = try state.encoder.embed([q])
            benchmark.stopMeasurement()
            blackHole(m)
        } setup: {
            try EmbedState(threads: threads)
        }
    }
}

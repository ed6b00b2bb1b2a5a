// swift-tools-version:6.1
// LocalRAG benchmarks: package-benchmark suites and the `localrag-bench` runner that the Python
// side-by-side drivers in anchors/ alternate with faiss / sentence-transformers / onnxruntime
// (and, for `localrag-bench csv`, our CSV reader beside SwiftCSV and CSV.swift).
// A nested package so that neither the main build nor CI ever compiles it.
import PackageDescription

let package = Package(
    name: "LocalRAGBenchmarks",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "localrag-bench", targets: ["localrag-bench"]),
    ],
    dependencies: [
        .package(name: "LocalRAG", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Only for `localrag-bench csv`: the two Swift CSV packages our own reader is measured against.
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        // Data loading, timing, recall, /proc readings: shared by the runner and the suites.
        .target(name: "BenchSupport", dependencies: [
            .product(name: "LinearAlgebra", package: "LocalRAG"),
            .product(name: "VectorSearch", package: "LocalRAG"),
            .product(name: "TextEmbedding", package: "LocalRAG"),
            .product(name: "RAG", package: "LocalRAG"),
        ]),
        .executableTarget(name: "localrag-bench", dependencies: [
            "BenchSupport",
            .product(name: "LinearAlgebra", package: "LocalRAG"),
            .product(name: "VectorSearch", package: "LocalRAG"),
            .product(name: "TextEmbedding", package: "LocalRAG"),
            .product(name: "RAG", package: "LocalRAG"),
            .product(name: "MilvusStore", package: "LocalRAG"),
            .product(name: "SwiftCSV", package: "SwiftCSV"),
            .product(name: "CSV", package: "CSV.swift"),
        ]),
        .executableTarget(
            name: "FlatSearch",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LinearAlgebra", package: "LocalRAG"),
                .product(name: "VectorSearch", package: "LocalRAG"),
            ],
            path: "Benchmarks/FlatSearch",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Embed",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LinearAlgebra", package: "LocalRAG"),
                .product(name: "TextEmbedding", package: "LocalRAG"),
            ],
            path: "Benchmarks/Embed",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.0
// ConcurrentReaders under Thread Sanitizer without building the whole test graph (RAGLLM, NIO, SSL):
// the test file is Tests/VectorSearchTests/ConcurrentReadersTests.swift (symlinked), linked against
// VectorSearch alone. Run: cd scripts/reliability/tsan && swift test --sanitize=thread --scratch-path .build-tsan
import PackageDescription

let package = Package(
    name: "LocalRAGTSan",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "LocalRAG", path: "../../..")],
    targets: [
        .testTarget(name: "ConcurrentReadersTests", dependencies: [
            .product(name: "VectorSearch", package: "LocalRAG"),
            .product(name: "LinearAlgebra", package: "LocalRAG"),
        ]),
        // The store's own tests (symlinked from Tests/VectorSearchTests), to check the Store fixes
        // without building the whole test graph: swift test --scratch-path .build-tsan --filter StoreTests
        .testTarget(name: "StoreTests", dependencies: [
            .product(name: "VectorSearch", package: "LocalRAG"),
            .product(name: "LinearAlgebra", package: "LocalRAG"),
            .product(name: "TextEmbedding", package: "LocalRAG"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)

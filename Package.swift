// swift-tools-version:6.1
// LocalRAG: local retrieval and classification engine (embeddings, flat/IVF search, RAG prompts, evaluation).
import PackageDescription

let package = Package(
    name: "LocalRAG",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rag", targets: ["rag"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "Checksum", targets: ["Checksum"]),
        .library(name: "TextEmbedding", targets: ["TextEmbedding"]),
        .library(name: "VectorSearch", targets: ["VectorSearch"]),
        .library(name: "RAG", targets: ["RAG"]),
        .library(name: "RAGLLM", targets: ["RAGLLM"]),
        .library(name: "RAGServer", targets: ["RAGServer"]),
        .library(name: "MilvusStore", targets: ["MilvusStore"]),
    ],
    // `rag serve` needs Hummingbird, swift-metrics and Prometheus, `--store milvus://` gRPC and
    // protobuf (minutes of compile time each): behind traits, so the demo's build stays fast.
    // `swift build --traits Server,Milvus` turns both on.
    traits: [
        .trait(name: "Server", description: "rag serve: the engine as a local HTTP service (Hummingbird 2)."),
        .trait(name: "Milvus", description: "--store milvus://: Milvus (a cluster or Milvus Lite) as the vector store, over gRPC."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        // Per-instruction-set kernels (AVX2+FMA, AVX-512, plain C) chosen at run time by cpuid.
        .target(name: "SIMDKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "LinearAlgebra", dependencies: ["CBLAS", "SIMDKernels"]),
        // OpenSSL's libcrypto: SHA-256 for the model's identifier and the index's checksums.
        .systemLibrary(name: "CLibCrypto", path: "Sources/CLibCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // SHA-256 over libcrypto: the model's identifier and every index file's checksum.
        .target(name: "Checksum", dependencies: ["CLibCrypto"]),
        .target(name: "TextEmbedding", dependencies: ["LinearAlgebra", "CBLAS", "Checksum"]),
        .target(name: "VectorSearch", dependencies: ["LinearAlgebra", "Checksum"]),
        .target(name: "RAG", dependencies: ["LinearAlgebra", "TextEmbedding", "VectorSearch"]),
        // The only module that touches the network: OpenAI-compatible chat, files and fine-tuning jobs.
        // HTTP over Foundation's URLSession (libcurl, in the toolchain): no TLS stack to compile.
        .target(name: "RAGLLM", dependencies: ["RAG", "TextEmbedding", "VectorSearch"]),
        // The HTTP service: OpenAI-compatible embeddings, search, classify, documents, metrics.
        .target(name: "RAGServer", dependencies: [
            "RAG", "RAGLLM", "TextEmbedding", "VectorSearch", "LinearAlgebra",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Milvus's messages and client stub, generated from the .proto subset in proto/ by
        // scripts/dev/generate-milvus-proto.sh and committed (the protoc plugins take minutes to build).
        .target(name: "MilvusProto", dependencies: [
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        ], exclude: ["proto"]),
        // A Milvus collection as the vector store (the store protocol over Milvus's gRPC API).
        .target(name: "MilvusStore", dependencies: [
            "MilvusProto", "VectorSearch", "LinearAlgebra",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        ]),
        .executableTarget(name: "rag", dependencies: [
            "RAG", "RAGLLM", "VectorSearch", "TextEmbedding", "LinearAlgebra", "Checksum",
            .target(name: "RAGServer", condition: .when(traits: ["Server"])),
            .product(name: "Metrics", package: "swift-metrics", condition: .when(traits: ["Server"])),
            .product(name: "Prometheus", package: "swift-prometheus", condition: .when(traits: ["Server"])),
            .target(name: "MilvusStore", condition: .when(traits: ["Milvus"])),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The README's library example, compiled and run by RAGTests.ReadmeExampleTests.
        .executableTarget(name: "LibraryExample", dependencies: ["RAG"], path: "Examples/LibraryExample"),
        // What every test target shares: the built binaries run as a user would, the package's
        // files, skips that fail under CI=true, and indexes built once per run.
        .target(name: "TestSupport", dependencies: ["RAG", "TextEmbedding", "VectorSearch", "LinearAlgebra"], path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "SIMDKernels", "TestSupport"]),
        .testTarget(name: "TextEmbeddingTests", dependencies: ["TextEmbedding", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "VectorSearchTests", dependencies: ["VectorSearch", "TextEmbedding"]),
        .testTarget(name: "RAGTests", dependencies: ["RAG", "Checksum", "LibraryExample", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ragTests", dependencies: ["rag", "TestSupport"]),
        .testTarget(name: "RAGServerTests", dependencies: [
            "RAGServer", "RAG", "VectorSearch", "TextEmbedding", "rag", "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Against a real Milvus Lite server each test starts (skipped, saying why, when it is not installed).
        .testTarget(name: "MilvusStoreTests", dependencies: ["MilvusStore", "RAG", "VectorSearch", "TextEmbedding", "rag", "TestSupport"]),
        // Depends on rag too so the binary is built for the kill -9 / resume and key-leak tests.
        .testTarget(name: "RAGLLMTests", dependencies: [
            "RAGLLM", "RAG", "rag", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)

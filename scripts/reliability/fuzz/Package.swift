// swift-tools-version:6.0
// LocalRAGFuzz: libFuzzer targets for LocalRAG's parsers (CSV, WordPiece, safetensors header, manifest, label
// normaliser, filter, curve counts, the server's request bodies). Outside the main package and CI: build and run with ./run.sh (see RELIABILITY.md).
import PackageDescription

let package = Package(
    name: "LocalRAGFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "LocalRAG", path: "../../..")],
    targets: [
        // RAGLLM's LabelNormalizer is compiled from its source (a symlink) so the instrumented build
        // does not pull in AsyncHTTPClient/NIO/BoringSSL for one pure function.
        .target(name: "LabelNormalizerSource", path: "Sources/LabelNormalizerSource"),
        // The server's request bodies likewise, without Hummingbird: APIMessages.swift alone (a symlink).
        .target(name: "APIMessagesSource", dependencies: [.product(name: "RAG", package: "LocalRAG"),
                                                          .product(name: "VectorSearch", package: "LocalRAG")],
                path: "Sources/APIMessagesSource"),
        .target(name: "FuzzMain"),
        .executableTarget(name: "LocalRAGFuzz", dependencies: [
            "LabelNormalizerSource", "APIMessagesSource", "FuzzMain",
            .product(name: "RAG", package: "LocalRAG"),
            .product(name: "TextEmbedding", package: "LocalRAG"),
            .product(name: "VectorSearch", package: "LocalRAG"),
            .product(name: "LinearAlgebra", package: "LocalRAG"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)

// Options: the option groups shared by subcommands (index folder, embedder, CSV columns).
import ArgumentParser
import Foundation
import TextEmbedding
import VectorSearch
import LinearAlgebra

struct IndexOptions: ParsableArguments {
    static let environmentVariable = "LOCALRAG_INDEX"

    @Option(name: .customLong("index"), help: "Index folder (default: $LOCALRAG_INDEX, else ./index).")
    var option: String?

    /// `--index`, else `$LOCALRAG_INDEX`, else `index` in the working folder.
    var path: String {
        if let option { return option }
        if let env = ProcessInfo.processInfo.environment[Self.environmentVariable], !env.isEmpty { return env }
        return "index"
    }

    var url: URL { URL(fileURLWithPath: path) }

    func open() throws -> IndexStore { try IndexStore(opening: url) }
}

enum EmbedderKind: String, ExpressibleByArgument, CaseIterable {
    case minilm, hashing
}

struct EmbedderOptions: ParsableArguments {
    @Option(help: "Embedder: minilm (all-MiniLM-L6-v2) or hashing (lexical, no model). Default: the index's own, else minilm.")
    var embedder: EmbedderKind?

    @Option(help: "Folder holding model.safetensors, vocab.txt and config.json (default: the first found of $LOCALRAG_MODEL_DIR, ./models/all-MiniLM-L6-v2, the user data folder, beside the binary; `rag model list` shows them).")
    var modelDir: String?

    @Option(help: "Threads for BLAS (default: all cores).")
    var threads: Int?

    /// The embedder asked for, or the one `manifest` was built with.
    func make(for manifest: Manifest? = nil) throws -> any Embedder {
        if let threads { BLASThreads.set(threads) }
        let kind = embedder ?? manifest.flatMap { EmbedderKind(rawValue: String($0.embedder.prefix { $0 != ":" })) } ?? .minilm
        switch kind {
        case .hashing:
            return HashingEmbedder(dimension: manifest?.dimension ?? 384)
        case .minilm:
            return try MiniLMLoader.load(modelDir: modelDir)
        }
    }
}

struct CSVOptions: ParsableArguments {
    @Option(help: "Name of the text column.")
    var textColumn: String = "text"

    @Option(help: "Name of the label column.")
    var labelColumn: String = "label_text"
}

// Options: the option groups shared by subcommands (index folder, embedder, CSV columns).
import ArgumentParser
import Foundation
import TextEmbedding
import VectorSearch
import LinearAlgebra
import RAG

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

    /// The library's choice for these options: --embedder, else the index's own kind.
    var choice: EmbedderChoice {
        switch embedder {
        case .hashing: return .hashing
        case .minilm: return .minilm(modelDir: modelDir)
        case nil: return .automatic(modelDir: modelDir)
        }
    }

    /// The embedder asked for, or the one `manifest` was built with.
    func make(for manifest: Manifest? = nil) throws -> any Embedder {
        if let threads { BLASThreads.set(threads) }
        return try choice.make(for: manifest).embedder
    }

    /// The index of `index` opened with this embedder.
    func workspace(index: IndexOptions) throws -> Workspace {
        if let threads { BLASThreads.set(threads) }
        return try Workspace(opening: index.url, embedder: choice)
    }
}

struct CSVOptions: ParsableArguments {
    @Option(help: "Name of the text column.")
    var textColumn: String = "text"

    @Option(help: "Name of the label column.")
    var labelColumn: String = "label_text"
}

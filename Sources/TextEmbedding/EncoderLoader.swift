// EncoderLoader: finds the installed model folder and builds the sentence encoder from its files.
public import Foundation

/// Looks for the model in `--model-dir`, then `$LOCALRAG_MODEL_DIR`, then `./models`, then the
/// user data folder (`$XDG_DATA_HOME/localrag/models`, else `~/.local/share/localrag/models`), then
/// beside the binary (`PREFIX/share/localrag/models` for `PREFIX/bin/rag`, or the package's
/// `models/` for a binary in its `.build/`).
public enum EncoderLoader {
    public static let environmentVariable = "LOCALRAG_MODEL_DIR"

    /// A folder where a model may be, and why it is looked at.
    public struct Location: Sendable, Equatable {
        public var url: URL
        /// `--model-dir`, `LOCALRAG_MODEL_DIR`, `working folder`, `user data folder`, `beside the binary`.
        public var source: String
    }

    /// The folders searched, in order (only `--model-dir` when it is given).
    public static func candidates(modelDir: String?, name: String = MiniLM.folderName) -> [URL] {
        locations(modelDir: modelDir, name: name).map(\.url)
    }

    /// The folders searched for the model `name` (a folder's name under `models/`), in order, each
    /// with its source; `$LOCALRAG_MODEL_DIR` only for the default model.
    public static func locations(modelDir: String?, name: String = MiniLM.folderName,
                                 environment: [String: String] = ProcessInfo.processInfo.environment) -> [Location] {
        if let modelDir { return [Location(url: URL(fileURLWithPath: modelDir), source: "--model-dir")] }
        var out: [Location] = []
        if name == MiniLM.folderName, let env = environment[environmentVariable], !env.isEmpty {
            out.append(Location(url: URL(fileURLWithPath: env), source: environmentVariable))
        }
        out.append(Location(url: URL(fileURLWithPath: "models/\(name)"), source: "working folder"))
        out.append(Location(url: userModelsFolder(environment: environment).appendingPathComponent(name),
                            source: "user data folder"))
        // PREFIX/bin/rag keeps its model in PREFIX/share/localrag/models; a binary in
        // <package>/.build/<triple>/<config>/rag in <package>/models.
        let bin = executableURL().deletingLastPathComponent()
        if bin.lastPathComponent == "bin" {
            out.append(Location(url: bin.deletingLastPathComponent().appendingPathComponent("share/localrag/models/\(name)"),
                                source: "beside the binary"))
        }
        if let package = packageFolder() {
            out.append(Location(url: package.appendingPathComponent("models/\(name)"), source: "beside the binary"))
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0.url.standardizedFileURL.path).inserted }
    }

    /// `$XDG_DATA_HOME/localrag/models`, else `~/.local/share/localrag/models`.
    public static func userModelsFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("localrag/models")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/localrag/models")
    }

    /// The running binary, symlinks resolved.
    public static func executableURL() -> URL {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
    }

    /// The package whose `.build/` holds the running binary (`<package>/.build/<triple>/<config>/rag`),
    /// or nil for a binary installed elsewhere.
    public static func packageFolder() -> URL? {
        var folder = executableURL().deletingLastPathComponent()
        while folder.path != "/" && folder.lastPathComponent != ".build" { folder.deleteLastPathComponent() }
        return folder.lastPathComponent == ".build" ? folder.deletingLastPathComponent() : nil
    }

    /// The first folder of `candidates` that holds a model.safetensors, if any.
    public static func find(modelDir: String? = nil, name: String = MiniLM.folderName) -> Location? {
        locations(modelDir: modelDir, name: name).first {
            FileManager.default.fileExists(atPath: $0.url.appendingPathComponent("model.safetensors").path)
        }
    }

    public static func load(modelDir: String? = nil) throws -> SentenceEncoder {
        guard let found = find(modelDir: modelDir) else {
            throw EmbeddingError.modelNotFound(searched: candidates(modelDir: modelDir).map(\.path))
        }
        return try load(from: found.url)
    }

    /// The embedder identifier of all-MiniLM-L6-v2 (as the release ships it) whose model.safetensors has SHA-256 `sha256` (what an
    /// index's manifest records).
    public static func identifier(sha256: String) -> String {
        "minilm:\(MiniLM.folderName):sha256=\(sha256.prefix(16))"
    }

    /// Builds the encoder from `dir`'s config.json, model.safetensors and tokenizer, with what its
    /// sentence-transformers files ask for (`SentenceTransformerFolder`: refused where LocalRAG would differ).
    public static func load(from dir: URL) throws -> SentenceEncoder {
        let config = try EncoderConfig.read(dir.appendingPathComponent("config.json"))
        let folder = try SentenceTransformerFolder(reading: dir, config: config)
        let file = try SafeTensors(url: dir.appendingPathComponent("model.safetensors"))
        let weights = try EncoderWeights(file: file, config: config)
        return try SentenceEncoder(tokenizer: folder.tokenizer(), weights: weights,
                                  identifier: ModelDescription.identifier(config: config, folder: folder, sha256: file.sha256()),
                                  pooling: folder.pooling, normalizes: folder.normalizes, prompts: folder.prompts)
    }
}

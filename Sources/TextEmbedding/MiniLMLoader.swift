// MiniLMLoader: finds the installed model folder and builds the MiniLM encoder from its files.
public import Foundation

/// Looks for the model in `--model-dir`, then `$LOCALRAG_MODEL_DIR`, then `models/all-MiniLM-L6-v2`
/// under the working folder and beside the executable's package.
public enum MiniLMLoader {
    public static let environmentVariable = "LOCALRAG_MODEL_DIR"

    /// The folders searched, in order.
    public static func candidates(modelDir: String?) -> [URL] {
        if let modelDir { return [URL(fileURLWithPath: modelDir)] }
        var out: [URL] = []
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            out.append(URL(fileURLWithPath: env))
        }
        out.append(URL(fileURLWithPath: "models/\(MiniLM.folderName)"))
        // The binary lives in <package>/.build/<config>/rag; the model in <package>/models.
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let package = exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        out.append(package.appendingPathComponent("models/\(MiniLM.folderName)"))
        return out
    }

    public static func load(modelDir: String? = nil) throws -> MiniLM.Encoder {
        let dirs = candidates(modelDir: modelDir)
        guard let dir = dirs.first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("model.safetensors").path)
        }) else {
            throw EmbeddingError.modelNotFound(searched: dirs.map(\.path))
        }
        return try load(from: dir)
    }

    /// Builds the encoder from `dir`'s config.json, model.safetensors and vocab.txt.
    public static func load(from dir: URL) throws -> MiniLM.Encoder {
        let config = try MiniLM.Config.read(dir.appendingPathComponent("config.json"))
        let file = try SafeTensors(url: dir.appendingPathComponent("model.safetensors"))
        let weights = try MiniLM.Weights(file: file, config: config)
        let tokenizer = try WordPieceTokenizer(vocabularyURL: dir.appendingPathComponent("vocab.txt"),
                                               maxLength: MiniLM.maxSequenceLength)
        let identifier = "minilm:\(MiniLM.folderName):sha256=\(file.sha256().prefix(16))"
        return try MiniLM.Encoder(tokenizer: tokenizer, weights: weights, identifier: identifier)
    }
}

// SentenceTransformerFolder: what a sentence-transformers model folder asks for (modules, pooling, normalisation, length, casing, prompts), refused where LocalRAG would embed differently.
import Foundation

/// The sentence-transformers files of a model folder, read as `SentenceTransformer` reads them,
/// and checked against what the encoder implements: a BERT Transformer, mean pooling, a
/// Normalize module, a lower-casing WordPiece tokenizer, no prompts. Anything else is refused
/// with the file and the field that ask for it; never embedded differently. A folder without
/// `modules.json` (a plain Hugging Face folder) is read as today: mean pooling, unit length.
public struct SentenceTransformerFolder: Sendable, Equatable {
    /// Wordpieces per text, [CLS] and [SEP] included (`sentence_bert_config.json`'s `max_seq_length`).
    public var maxSequenceLength: Int

    /// The length when the folder does not say: all-MiniLM-L6-v2's own `max_seq_length` (not
    /// tokenizer.json's 128).
    public static let defaultMaxSequenceLength = 256

    /// Reads and checks the folder `dir` for an encoder with `config`.
    public init(reading dir: URL, config: MiniLM.Config) throws {
        // Never more wordpieces than the model has positions (a small BERT with no sentence_bert_config.json).
        maxSequenceLength = min(Self.defaultMaxSequenceLength, config.maxPositionEmbeddings)
        try Self.checkModelType(dir.appendingPathComponent("config.json"))
        let modulesURL = dir.appendingPathComponent("modules.json")
        guard FileManager.default.fileExists(atPath: modulesURL.path) else { return }
        let modules = try Self.object(modulesURL, as: [[String: JSONValue]].self)
        let types = modules.map { $0["type"]?.string ?? "" }
        func refuse(_ why: String) -> EmbeddingError { .badConfig(path: modulesURL.path, reason: why) }
        guard types.first == "sentence_transformers.models.Transformer" else {
            throw refuse("the first module is \(types.first.map { "\"\($0)\"" } ?? "missing"), not sentence_transformers.models.Transformer")
        }
        guard types.count >= 2, types[1] == "sentence_transformers.models.Pooling" else {
            throw refuse("no sentence_transformers.models.Pooling module after the Transformer: LocalRAG pools the tokens' mean")
        }
        for type in types.dropFirst(2) where type != "sentence_transformers.models.Normalize" {
            throw refuse("module \"\(type)\" is not implemented (LocalRAG runs Transformer, Pooling and Normalize)")
        }
        guard types.contains("sentence_transformers.models.Normalize") else {
            throw refuse("no sentence_transformers.models.Normalize module: its vectors are not unit length, LocalRAG's always are")
        }
        if let path = modules[1]["path"]?.string {
            try Self.checkPooling(dir.appendingPathComponent(path).appendingPathComponent("config.json"), hidden: config.hiddenSize)
        }
        let bertConfig = dir.appendingPathComponent("sentence_bert_config.json")
        if FileManager.default.fileExists(atPath: bertConfig.path) {
            let fields = try Self.object(bertConfig, as: [String: JSONValue].self)
            if let length = fields["max_seq_length"] {
                guard let n = length.int, n >= 2, n <= config.maxPositionEmbeddings else {
                    throw EmbeddingError.badConfig(path: bertConfig.path, reason: "max_seq_length \(length) is not between 2 and max_position_embeddings \(config.maxPositionEmbeddings)")
                }
                maxSequenceLength = n
            }
        }
        try Self.checkTokenizer(dir.appendingPathComponent("tokenizer_config.json"))
        try Self.checkPrompts(dir.appendingPathComponent("config_sentence_transformers.json"))
    }

    /// `model_type`, when given, must be bert.
    static func checkModelType(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let fields = try object(url, as: [String: JSONValue].self)
        if let type = fields["model_type"], type.string != "bert" {
            throw EmbeddingError.badConfig(path: url.path, reason: "model_type \(type) is not implemented (only bert)")
        }
    }

    /// Only `pooling_mode_mean_tokens` may be on, over the encoder's hidden size.
    static func checkPooling(_ url: URL, hidden: Int) throws {
        let fields = try object(url, as: [String: JSONValue].self)
        func refuse(_ why: String) -> EmbeddingError { .badConfig(path: url.path, reason: why) }
        if let dimension = fields["word_embedding_dimension"], dimension.int != hidden {
            throw refuse("word_embedding_dimension \(dimension) is not the encoder's hidden_size \(hidden)")
        }
        for (field, value) in fields.sorted(by: { $0.key < $1.key }) where field.hasPrefix("pooling_mode_") && field != "pooling_mode_mean_tokens" {
            if value.bool == true { throw refuse("\(field) is true: only mean pooling (pooling_mode_mean_tokens) is implemented") }
        }
        if let mode = fields["pooling_mode"], mode.string != "mean" {
            throw refuse("pooling_mode \(mode) is not implemented (only mean)")
        }
        guard fields["pooling_mode_mean_tokens"]?.bool ?? (fields["pooling_mode"]?.string == "mean") else {
            throw refuse("pooling_mode_mean_tokens is not true: only mean pooling is implemented")
        }
    }

    /// BERT's uncased tokenizer: lower-casing, accents stripped with it, CJK characters split.
    static func checkTokenizer(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let fields = try object(url, as: [String: JSONValue].self)
        func refuse(_ why: String) -> EmbeddingError { .badConfig(path: url.path, reason: why) }
        if fields["do_lower_case"]?.bool == false { throw refuse("do_lower_case is false: only the uncased tokenizer is implemented") }
        if fields["strip_accents"]?.bool == false { throw refuse("strip_accents is false: the uncased tokenizer strips accents") }
        if fields["tokenize_chinese_chars"]?.bool == false { throw refuse("tokenize_chinese_chars is false: the tokenizer always splits CJK characters") }
        if let type = fields["tokenizer_class"]?.string, !["BertTokenizer", "BertTokenizerFast"].contains(type) {
            throw refuse("tokenizer_class \(type) is not implemented (only BERT's WordPiece)")
        }
    }

    /// No prompts: LocalRAG does not prepend any yet.
    static func checkPrompts(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let fields = try object(url, as: [String: JSONValue].self)
        if case .object(let prompts)? = fields["prompts"], prompts.values.contains(where: { ($0.string ?? "") != "" }) {
            throw EmbeddingError.badConfig(path: url.path, reason: "prompts \(prompts.keys.sorted()) are not applied by LocalRAG yet")
        }
        if let name = fields["default_prompt_name"]?.string {
            throw EmbeddingError.badConfig(path: url.path, reason: "default_prompt_name \(name) is not applied by LocalRAG yet")
        }
    }

    static func object<T: Decodable>(_ url: URL, as type: T.Type) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EmbeddingError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw EmbeddingError.badConfig(path: url.path, reason: "not the JSON sentence-transformers writes (\(error.localizedDescription))")
        }
    }
}

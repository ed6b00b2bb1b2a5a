// SentenceTransformerFolder: what a sentence-transformers model folder asks for (modules, pooling, normalisation, length, tokenizer, prompts), refused where LocalRAG would embed differently.
import Foundation

/// The sentence-transformers files of a model folder, read as `SentenceTransformer` reads them
/// (the layouts of sentence-transformers 2 to 6): `modules.json` (a Transformer at the folder's
/// root, a Pooling, an optional Normalize), `1_Pooling/config.json` (any of its modes, combined
/// in order), `sentence_bert_config.json` (`max_seq_length`, `do_lower_case`),
/// `config_sentence_transformers.json` (`prompts`, `default_prompt_name`), the tokenizer
/// (`vocab.txt` and `tokenizer_config.json`, else `tokenizer.json`'s WordPiece and
/// `BertNormalizer`) and `config.json`'s `model_type`. Anything else is refused with the
/// file and the field that ask for it; never embedded differently. A folder without
/// `modules.json` (a plain Hugging Face folder) is read as LocalRAG always read one: mean pooling,
/// unit length, no prompts.
public struct SentenceTransformerFolder: Sendable, Equatable {
    /// Wordpieces per text, [CLS] and [SEP] included.
    public var maxSequenceLength: Int
    /// The Pooling module's modes, their vectors concatenated in this order.
    public var pooling: [PoolingMode] = [.mean]
    /// Whether a Normalize module follows the pooling (sentence-transformers' vectors are unit length).
    public var normalizes = true
    public var prompts = EmbeddingPrompts.none
    public var normalization = BertNormalization.uncased
    /// BERT's `[CLS]`... unless the tokenizer files name others (MPNet's `<s>`...).
    public var specialTokens = SpecialTokens.bert
    /// Where the WordPiece vocabulary is read from: `vocab.txt` when the folder has one, else `tokenizer.json`.
    public var vocabularyFile: URL
    /// tokenizer.json's vocabulary, read once.
    var jsonVocabulary: [String]?

    /// The length when the folder does not say: all-MiniLM-L6-v2's own `max_seq_length` (not
    /// tokenizer.json's 128).
    public static let defaultMaxSequenceLength = 256

    /// The module types LocalRAG runs, by the last part of their Python name (sentence-transformers 6
    /// writes `sentence_transformers.base.modules.transformer.Transformer`, earlier ones
    /// `sentence_transformers.models.Transformer`).
    static func moduleKind(_ type: String) -> String? {
        guard type.hasPrefix("sentence_transformers.") else { return nil }
        let kind = String(type.split(separator: ".").last ?? "")
        return ["Transformer", "Pooling", "Normalize"].contains(kind) ? kind : nil
    }

    /// Reads and checks the folder `dir` for an encoder with `config`.
    public init(reading dir: URL, config: EncoderConfig) throws {
        // Never more wordpieces than the model has positions (a small BERT with no sentence_bert_config.json).
        maxSequenceLength = min(Self.defaultMaxSequenceLength, config.maxTokens)
        // vocab.txt when the folder has one (a WordPiece vocabulary, read in milliseconds; its switches are
        // tokenizer_config.json's, as transformers 4 applies them over tokenizer.json's), else tokenizer.json.
        let vocabTXT = dir.appendingPathComponent("vocab.txt")
        let readsJSON = !FileManager.default.fileExists(atPath: vocabTXT.path)
        vocabularyFile = readsJSON ? dir.appendingPathComponent("tokenizer.json") : vocabTXT
        let tokenizerConfigURL = dir.appendingPathComponent("tokenizer_config.json")
        let tokenizerConfig = try Self.readTokenizerConfig(tokenizerConfigURL)
        normalization = tokenizerConfig.normalization
        specialTokens = tokenizerConfig.specialTokens
        if readsJSON, FileManager.default.fileExists(atPath: vocabularyFile.path) {
            let tokenizerJSON = try TokenizerJSON(reading: vocabularyFile)
            jsonVocabulary = tokenizerJSON.vocabulary
            let fromJSON = tokenizerJSON.normalization
            if let said = tokenizerConfig.saidLowercase, said != fromJSON.lowercase {
                throw EmbeddingError.badConfig(path: dir.appendingPathComponent("tokenizer_config.json").path,
                                               reason: "do_lower_case \(said) disagrees with tokenizer.json's normalizer.lowercase \(fromJSON.lowercase)")
            }
            normalization = fromJSON
            // The tokens tokenizer.json puts around a text must be the ones tokenizer_config.json names.
            for (role, named, wraps) in [("cls_token", specialTokens.cls, tokenizerJSON.opening), ("sep_token", specialTokens.sep, tokenizerJSON.closing)]
            where named != wraps {
                if tokenizerConfig.namedTokens.contains(role) {
                    throw EmbeddingError.badConfig(path: tokenizerConfigURL.path, reason: "\(role) \"\(named)\" is not the \"\(wraps)\" tokenizer.json's post_processor puts around a text")
                }
            }
            specialTokens.cls = tokenizerJSON.opening
            specialTokens.sep = tokenizerJSON.closing
            specialTokens.unk = tokenizerJSON.unknown
            specialTokens.matched += tokenizerJSON.addedTokens.filter { !specialTokens.matched.contains($0) }
        }
        let modulesURL = dir.appendingPathComponent("modules.json")
        guard FileManager.default.fileExists(atPath: modulesURL.path) else { return }
        try readModules(modulesURL, in: dir, hidden: config.hiddenSize)
        if let length = tokenizerConfig.modelMaxLength {
            // sentence-transformers' length when sentence_bert_config.json gives none.
            maxSequenceLength = min(length, config.maxTokens)
        }
        try readSentenceBertConfig(dir.appendingPathComponent("sentence_bert_config.json"), config: config)
        prompts = try Self.readPrompts(dir.appendingPathComponent("config_sentence_transformers.json"))
    }

    /// The Transformer at the root, then a Pooling, then an optional Normalize, and nothing else.
    mutating func readModules(_ url: URL, in dir: URL, hidden: Int) throws {
        let modules = try Self.object(url, as: [[String: JSONValue]].self)
        let types = modules.map { $0["type"]?.string ?? "" }
        let kinds = types.map(Self.moduleKind)
        func refuse(_ why: String) -> EmbeddingError { .badConfig(path: url.path, reason: why) }
        if let unknown = kinds.firstIndex(of: nil) {
            throw refuse("module \"\(types[unknown])\" is not implemented (LocalRAG runs Transformer, Pooling and Normalize)")
        }
        guard kinds.first == "Transformer" else {
            throw refuse("the first module is \(types.first.map { "\"\($0)\"" } ?? "missing"), not a sentence-transformers Transformer")
        }
        if let path = modules[0]["path"]?.string, !path.isEmpty {
            throw refuse("the Transformer module lives in \(path)/: LocalRAG reads config.json and model.safetensors from the folder itself")
        }
        guard kinds.count >= 2, kinds[1] == "Pooling" else {
            throw refuse("no sentence-transformers Pooling module after the Transformer")
        }
        guard kinds.count == 2 || (kinds.count == 3 && kinds[2] == "Normalize") else {
            throw refuse("modules \(types.dropFirst(2).joined(separator: ", ")) after the Pooling: only one Normalize may follow it")
        }
        normalizes = kinds.count == 3
        if let path = modules[1]["path"]?.string {
            pooling = try Self.readPooling(dir.appendingPathComponent(path).appendingPathComponent("config.json"), hidden: hidden)
        }
    }

    /// `max_seq_length`, `do_lower_case` (lower-cases before the tokenizer does anything else) and the task
    /// sentence-transformers 6 records.
    mutating func readSentenceBertConfig(_ url: URL, config: EncoderConfig) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let fields = try Self.object(url, as: [String: JSONValue].self)
        func refuse(_ why: String) -> EmbeddingError { .badConfig(path: url.path, reason: why) }
        if let length = fields["max_seq_length"], length != .null {
            guard let n = length.int, n >= 2, n <= config.maxTokens else {
                throw refuse("max_seq_length \(length) is not between 2 and the \(config.maxTokens) tokens max_position_embeddings \(config.maxPositionEmbeddings) allows")
            }
            maxSequenceLength = n
        }
        if fields["do_lower_case"]?.bool == true { normalization.lowercase = true }
        if let task = fields["transformer_task"], task.string != "feature-extraction" {
            throw refuse("transformer_task \(task) is not implemented (only feature-extraction)")
        }
        if let output = fields["module_output_name"], output.string != "token_embeddings" {
            throw refuse("module_output_name \(output) is not implemented (only token_embeddings)")
        }
    }

    /// The modes, from sentence-transformers 6's `pooling_mode` (a name or a list, in order) or from
    /// the `pooling_mode_*` booleans of earlier versions; the dimension must be the encoder's.
    static func readPooling(_ url: URL, hidden: Int) throws -> [PoolingMode] {
        let fields = try object(url, as: [String: JSONValue].self)
        func refuse(_ why: String) -> EmbeddingError { .badConfig(path: url.path, reason: why) }
        for key in ["embedding_dimension", "word_embedding_dimension"] {
            if let dimension = fields[key], dimension.int != hidden {
                throw refuse("\(key) \(dimension) is not the encoder's hidden_size \(hidden)")
            }
        }
        if fields["include_prompt"]?.bool == false {
            throw refuse("include_prompt is false: pooling that leaves out the prompt's tokens is not implemented")
        }
        let names: [String]
        switch fields["pooling_mode"] {
        case .string(let name)?:
            names = [name]
        case .array(let list)?:
            names = list.map { $0.string ?? "\($0)" }
        case nil, .null?:
            for (field, value) in fields.sorted(by: { $0.key < $1.key }) where field.hasPrefix("pooling_mode_") {
                if value.bool == true && !PoolingMode.allCases.contains(where: { $0.legacyField == field }) {
                    throw refuse("\(field) is true: that pooling mode is not implemented")
                }
            }
            let modes = PoolingMode.allCases.filter { fields[$0.legacyField]?.bool == true }
            guard !modes.isEmpty else { throw refuse("no pooling mode is on (pooling_mode_mean_tokens and the others are all false)") }
            return modes
        case let other?:
            throw refuse("pooling_mode \(other) is neither a mode's name nor a list of them")
        }
        guard !names.isEmpty else { throw refuse("pooling_mode is an empty list") }
        return try names.map { name in
            guard let mode = PoolingMode(rawValue: name) else {
                throw refuse("pooling_mode \"\(name)\" is not implemented (\(PoolingMode.allCases.map(\.rawValue).joined(separator: ", ")) are)")
            }
            return mode
        }
    }

    /// What `tokenizer_config.json` says: its normalisation (BertTokenizer's defaults where it is
    /// silent), whether it said `do_lower_case` at all, `model_max_length` when it is a real length,
    /// and the special tokens it names (`cls_token`, ...: a string or an object with `content`).
    static func readTokenizerConfig(_ url: URL) throws
        -> (normalization: BertNormalization, saidLowercase: Bool?, modelMaxLength: Int?, specialTokens: SpecialTokens, namedTokens: Set<String>) {
        guard FileManager.default.fileExists(atPath: url.path) else { return (.uncased, nil, nil, .bert, []) }
        let fields = try object(url, as: [String: JSONValue].self)
        func refuse(_ why: String) -> EmbeddingError { .badConfig(path: url.path, reason: why) }
        if let type = fields["tokenizer_class"]?.string, !["BertTokenizer", "BertTokenizerFast", "MPNetTokenizer", "MPNetTokenizerFast"].contains(type) {
            throw refuse("tokenizer_class \(type) is not implemented (only BERT's and MPNet's WordPiece)")
        }
        let lowercase = fields["do_lower_case"]?.bool
        let normalization = BertNormalization(lowercase: lowercase ?? true, stripAccents: fields["strip_accents"]?.bool,
                                              splitCJK: fields["tokenize_chinese_chars"]?.bool ?? true)
        // transformers writes 1e30 for "no limit".
        let length = fields["model_max_length"]?.int.flatMap { $0 >= 2 && $0 < 1 << 31 ? $0 : nil }
        var named: Set<String> = []
        func token(_ field: String, _ fallback: String) throws -> String {
            let value: JSONValue?
            if case .object(let o)? = fields[field] { value = o["content"] } else { value = fields[field] }
            guard let value, value != .null else { return fallback }
            guard let text = value.string, !text.isEmpty else { throw refuse("\(field) \(value) is not a token") }
            named.insert(field)
            return text
        }
        let cls = try token("cls_token", "[CLS]"), sep = try token("sep_token", "[SEP]"), pad = try token("pad_token", "[PAD]")
        let unk = try token("unk_token", "[UNK]"), mask = try token("mask_token", "[MASK]")
        let special = SpecialTokens(cls: cls, sep: sep, pad: pad, unk: unk, matched: [pad, unk, cls, sep, mask])
        return (normalization, lowercase, length, special, named)
    }

    /// The prompts by role, as sentence-transformers chooses them (`EmbeddingPrompts`).
    static func readPrompts(_ url: URL) throws -> EmbeddingPrompts {
        guard FileManager.default.fileExists(atPath: url.path) else { return .none }
        let fields = try object(url, as: [String: JSONValue].self)
        func refuse(_ why: String) -> EmbeddingError { .badConfig(path: url.path, reason: why) }
        var prompts: [String: String] = [:]
        switch fields["prompts"] {
        case .object(let object)?:
            for (name, value) in object {
                guard let text = value.string else { throw refuse("prompts.\(name) is \(value), not a string") }
                prompts[name] = text
            }
        case nil, .null?:
            break
        case let other?:
            throw refuse("prompts is \(other), not an object of names and texts")
        }
        let defaultName = fields["default_prompt_name"]?.string
        if let defaultName, prompts[defaultName] == nil {
            throw refuse("default_prompt_name \"\(defaultName)\" is not one of prompts \(prompts.keys.sorted())")
        }
        return EmbeddingPrompts(prompts: prompts, defaultName: defaultName)
    }

    /// The tokenizer the folder describes, cutting texts at `maxLength` wordpieces (the folder's own by default).
    public func tokenizer(maxLength: Int? = nil) throws -> WordPieceTokenizer {
        let length = maxLength ?? maxSequenceLength
        do {
            if let jsonVocabulary {
                return try WordPieceTokenizer(vocabulary: jsonVocabulary, maxLength: length, normalization: normalization, specialTokens: specialTokens)
            }
            return try WordPieceTokenizer(vocabularyURL: vocabularyFile, maxLength: length, normalization: normalization, specialTokens: specialTokens)
        } catch let error as TokenizerError {
            // A special token the vocabulary lacks, a duplicate: say which file.
            throw EmbeddingError.badConfig(path: vocabularyFile.path, reason: error.localizedDescription)
        }
    }

    /// What sets the folder's vectors apart beyond the weights, for a model identifier ("" for
    /// all-MiniLM-L6-v2's own settings, so indexes built before keep opening).
    public var identifierSuffix: String {
        var out = ""
        if maxSequenceLength != Self.defaultMaxSequenceLength { out += ":max_seq_length=\(maxSequenceLength)" }
        if pooling != [.mean] { out += ":pooling=" + pooling.map(\.rawValue).joined(separator: "+") }
        if !normalizes { out += ":normalize=false" }
        return out + normalization.identifierSuffix + prompts.identifierSuffix
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

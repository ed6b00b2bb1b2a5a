// TokenizerJSON: a Hugging Face tokenizer.json read for its WordPiece vocabulary and BERT normaliser, refused where it asks for another pipeline.
import Foundation

/// What LocalRAG takes from a `tokenizer.json` (the file transformers 5 writes instead of
/// `vocab.txt`): the WordPiece vocabulary in id order and the `BertNormalizer` switches. A model
/// of another kind (BPE, Unigram: RoBERTa, XLM-R and the multilingual models), another
/// normaliser, pre-tokenizer or post-processor is refused with the field that asks for it.
struct TokenizerJSON {
    var vocabulary: [String]
    var normalization: BertNormalization

    init(reading url: URL) throws {
        let (fields, vocab) = try Self.read(url)
        func refuse(_ why: String) -> EmbeddingError { .badConfig(path: url.path, reason: why) }
        guard case .object(let model)? = fields["model"] else { throw refuse("no \"model\" object") }
        guard model["type"]?.string == "WordPiece" else {
            throw refuse("model.type \(model["type"] ?? .null) is not implemented (only WordPiece: BERT-family tokenizers; BPE and Unigram, as RoBERTa, XLM-R and the multilingual models use, are not)")
        }
        if let prefix = model["continuing_subword_prefix"], prefix.string != "##" {
            throw refuse("model.continuing_subword_prefix \(prefix) is not implemented (only \"##\")")
        }
        if let longest = model["max_input_chars_per_word"], longest.int != WordPieceTokenizer.maxScalarsPerWord {
            throw refuse("model.max_input_chars_per_word \(longest) is not implemented (only \(WordPieceTokenizer.maxScalarsPerWord))")
        }
        if let unknown = model["unk_token"], unknown.string != "[UNK]" {
            throw refuse("model.unk_token \(unknown) is not implemented (only \"[UNK]\")")
        }
        guard let entries = vocab, !entries.isEmpty else { throw refuse("model.vocab is missing or empty") }
        var vocabulary = [String?](repeating: nil, count: entries.count)
        for (token, id) in entries {
            guard vocabulary.indices.contains(id), vocabulary[id] == nil else {
                throw refuse("model.vocab gives \"\(token)\" the id \(id): ids must be 0 to \(entries.count - 1), each once")
            }
            vocabulary[id] = token
        }
        self.vocabulary = vocabulary.map { $0! }

        switch fields["normalizer"] ?? .null {
        case .object(let normalizer) where normalizer["type"]?.string == "BertNormalizer":
            if normalizer["clean_text"]?.bool == false { throw refuse("normalizer.clean_text is false: the tokenizer always cleans text") }
            let lowercase = normalizer["lowercase"]?.bool ?? true
            normalization = BertNormalization(lowercase: lowercase, stripAccents: normalizer["strip_accents"]?.bool,
                                              splitCJK: normalizer["handle_chinese_chars"]?.bool ?? true)
        case let other:
            throw refuse("normalizer \(Self.typeName(other)) is not implemented (only BertNormalizer)")
        }
        if case let pre = fields["pre_tokenizer"] ?? .null, Self.typeName(pre) != "BertPreTokenizer" {
            throw refuse("pre_tokenizer \(Self.typeName(pre)) is not implemented (only BertPreTokenizer)")
        }
        try Self.checkPostProcessor(fields["post_processor"] ?? .null, refuse)
    }

    /// The file's fields with `model.vocab` left out, and that vocabulary (token to id) read on its
    /// own: JSONSerialization for the 30,000 entries takes a few milliseconds where decoding them
    /// as `JSONValue`s took 150.
    static func read(_ url: URL) throws -> (fields: [String: JSONValue], vocab: [String: Int]?) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EmbeddingError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw EmbeddingError.badConfig(path: url.path, reason: "not the JSON object a tokenizer.json is")
        }
        var vocab: [String: Int]?
        if var model = object["model"] as? [String: Any], let entries = model["vocab"] as? [String: Any] {
            var ids: [String: Int] = [:]
            ids.reserveCapacity(entries.count)
            for (token, id) in entries {
                guard let number = id as? NSNumber, let exact = Int(exactly: number.doubleValue) else {
                    throw EmbeddingError.badConfig(path: url.path, reason: "model.vocab gives \"\(token)\" the id \(id), not a whole number")
                }
                ids[token] = exact
            }
            vocab = ids
            model["vocab"] = nil
            object["model"] = model
        }
        object["added_tokens"] = nil
        do {
            let rest = try JSONSerialization.data(withJSONObject: object)
            return (try JSONDecoder().decode([String: JSONValue].self, from: rest), vocab)
        } catch {
            throw EmbeddingError.badConfig(path: url.path, reason: "not the JSON a tokenizer.json is (\(error.localizedDescription))")
        }
    }

    /// `[CLS] $A [SEP]` for a single text, as `BertProcessing` or `TemplateProcessing` writes it.
    static func checkPostProcessor(_ value: JSONValue, _ refuse: (String) -> EmbeddingError) throws {
        let type = typeName(value)
        if type == "BertProcessing" { return }
        guard type == "TemplateProcessing", case .object(let processor) = value, case .array(let single)? = processor["single"] else {
            throw refuse("post_processor \(type) is not implemented (only BertProcessing or TemplateProcessing [CLS] $A [SEP])")
        }
        let pieces: [String] = single.map { piece in
            guard case .object(let item) = piece else { return "?" }
            if case .object(let special)? = item["SpecialToken"] { return special["id"]?.string ?? "?" }
            if case .object(let sequence)? = item["Sequence"] { return "$" + (sequence["id"]?.string ?? "?") }
            return "?"
        }
        guard pieces == ["[CLS]", "$A", "[SEP]"] else {
            throw refuse("post_processor.single is \(pieces.joined(separator: " ")): only [CLS] $A [SEP] is implemented")
        }
    }

    /// `"type"` of an object, or what the value is.
    static func typeName(_ value: JSONValue) -> String {
        if case .object(let o) = value { return o["type"]?.string ?? "without a type" }
        return "\(value)"
    }
}

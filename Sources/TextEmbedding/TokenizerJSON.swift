// TokenizerJSON: a Hugging Face tokenizer.json read for its WordPiece vocabulary and BERT normaliser, refused where it asks for another pipeline.
import Foundation

/// What LocalRAG takes from a `tokenizer.json` (the file transformers 5 writes instead of
/// `vocab.txt`): the WordPiece vocabulary in id order and the `BertNormalizer` switches. A model
/// of another kind (BPE, Unigram: RoBERTa, XLM-R and the multilingual models), another
/// normaliser, pre-tokenizer or post-processor is refused with the field that asks for it.
struct TokenizerJSON {
    var vocabulary: [String]
    var normalization: BertNormalization
    /// `added_tokens`' contents: matched verbatim in the input.
    var addedTokens: [String]
    /// The tokens the post-processor puts around a text (`[CLS]`/`[SEP]`, `<s>`/`</s>`).
    var opening: String
    var closing: String
    /// WordPiece's token for a word it cannot cover (`model.unk_token`).
    var unknown: String

    init(reading url: URL) throws {
        let (fields, vocab, added) = try Self.read(url)
        addedTokens = added
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
        unknown = model["unk_token"]?.string ?? "[UNK]"
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
        (opening, closing) = try Self.wrapping(fields["post_processor"] ?? .null, refuse)
    }

    /// The file's fields with `model.vocab` and `added_tokens` left out, the added tokens' texts, and
    /// the vocabulary (token to id) read on its
    /// own: JSONSerialization for the 30,000 entries takes a few milliseconds where decoding them
    /// as `JSONValue`s took 150.
    static func read(_ url: URL) throws -> (fields: [String: JSONValue], vocab: [String: Int]?, added: [String]) {
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
        let added = (object["added_tokens"] as? [[String: Any]])?.compactMap { $0["content"] as? String } ?? []
        object["added_tokens"] = nil
        do {
            let rest = try JSONSerialization.data(withJSONObject: object)
            return (try JSONDecoder().decode([String: JSONValue].self, from: rest), vocab, added)
        } catch {
            throw EmbeddingError.badConfig(path: url.path, reason: "not the JSON a tokenizer.json is (\(error.localizedDescription))")
        }
    }

    /// The two tokens around a single text: `BertProcessing`'s and `RobertaProcessing`'s `cls` and
    /// `sep`, or a `TemplateProcessing` of the form `X $A Y`.
    static func wrapping(_ value: JSONValue, _ refuse: (String) -> EmbeddingError) throws -> (String, String) {
        let type = typeName(value)
        guard case .object(let processor) = value else {
            throw refuse("post_processor \(type) is not implemented (BertProcessing, RobertaProcessing or TemplateProcessing X $A Y)")
        }
        if type == "BertProcessing" || type == "RobertaProcessing" {
            guard case .array(let cls)? = processor["cls"], let opening = cls.first?.string,
                  case .array(let sep)? = processor["sep"], let closing = sep.first?.string else {
                throw refuse("post_processor \(type) without its cls and sep tokens")
            }
            return (opening, closing)
        }
        guard type == "TemplateProcessing", case .array(let single)? = processor["single"] else {
            throw refuse("post_processor \(type) is not implemented (BertProcessing, RobertaProcessing or TemplateProcessing X $A Y)")
        }
        let pieces: [String] = single.map { piece in
            guard case .object(let item) = piece else { return "?" }
            if case .object(let special)? = item["SpecialToken"] { return special["id"]?.string ?? "?" }
            if case .object(let sequence)? = item["Sequence"] { return "$" + (sequence["id"]?.string ?? "?") }
            return "?"
        }
        guard pieces.count == 3, pieces[1] == "$A", !pieces[0].hasPrefix("$"), !pieces[2].hasPrefix("$") else {
            throw refuse("post_processor.single is \(pieces.joined(separator: " ")): only a special token, the text, a special token is implemented")
        }
        return (pieces[0], pieces[2])
    }

    /// `"type"` of an object, or what the value is.
    static func typeName(_ value: JSONValue) -> String {
        if case .object(let o) = value { return o["type"]?.string ?? "without a type" }
        return "\(value)"
    }
}

// SpecialTokens: which vocabulary entries open and close a text, pad, stand for the unknown, and are matched verbatim in the input.

/// The tokens a WordPiece tokenizer treats specially, by their text: BERT's `[CLS]`, `[SEP]`,
/// `[PAD]`, `[UNK]` or MPNet's `<s>`, `</s>`, `<pad>`, `[UNK]`, as `tokenizer_config.json` names
/// them. `matched` are found verbatim in the raw input (the `tokenizers` AddedVocabulary), each
/// one that is in the vocabulary becoming its own id.
public struct SpecialTokens: Sendable, Hashable {
    public var cls: String
    public var sep: String
    public var pad: String
    public var unk: String
    public var matched: [String]

    public init(cls: String, sep: String, pad: String, unk: String, matched: [String]) {
        self.cls = cls
        self.sep = sep
        self.pad = pad
        self.unk = unk
        self.matched = matched
    }

    /// BERT's.
    public static let bert = SpecialTokens(cls: "[CLS]", sep: "[SEP]", pad: "[PAD]", unk: "[UNK]",
                                           matched: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
}

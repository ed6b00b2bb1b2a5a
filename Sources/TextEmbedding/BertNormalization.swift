// BertNormalization: which of BERT's text normalisations a WordPiece tokenizer applies (lower case, accents, CJK spacing).

/// The switches of `tokenizers`' `BertNormalizer` (and of `BertTokenizer`'s `do_lower_case`,
/// `strip_accents`, `tokenize_chinese_chars`); control characters are always removed and
/// whitespace mapped to a space (`clean_text`).
public struct BertNormalization: Sendable, Hashable {
    /// Lower-case every scalar (`lowercase`, `do_lower_case`).
    public var lowercase: Bool
    /// NFD, then drop nonspacing marks (`strip_accents`; when unset, it follows `lowercase`).
    public var stripAccents: Bool
    /// Put spaces around CJK ideographs so each is a word (`handle_chinese_chars`, `tokenize_chinese_chars`).
    public var splitCJK: Bool

    public init(lowercase: Bool, stripAccents: Bool? = nil, splitCJK: Bool = true) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.splitCJK = splitCJK
    }

    /// bert-base-uncased's, and all-MiniLM-L6-v2's.
    public static let uncased = BertNormalization(lowercase: true)

    /// What sets this apart from `uncased`, for a model identifier ("" when nothing does).
    public var identifierSuffix: String {
        var out = ""
        if !lowercase { out += ":cased" }
        if stripAccents != lowercase { out += stripAccents ? ":accents=stripped" : ":accents=kept" }
        if !splitCJK { out += ":cjk=unsplit" }
        return out
    }
}

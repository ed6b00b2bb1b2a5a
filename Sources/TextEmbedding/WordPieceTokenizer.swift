// WordPieceTokenizer: BERT's WordPiece (uncased as all-MiniLM-L6-v2, or cased), matching HF's fast tokenizer id for id.
public import Foundation

/// Text → BERT input ids, as sentence-transformers computes them for all-MiniLM-L6-v2:
/// `[CLS]` + wordpieces + `[SEP]`, truncated to `maxLength` ids, no padding.
///
/// Ports the `tokenizers` crate pipeline that HF's fast `BertTokenizer` runs (AddedVocabulary
/// special-token matching, `BertNormalizer`, `BertPreTokenizer`, `WordPiece` with `##`
/// continuations and `max_input_chars_per_word = 100`); HF `tokenization_bert.py` is the same
/// algorithm with a few Unicode differences, documented in the fixture README. Pinned by the 117
/// fixtures of `Tests/TextEmbeddingTests/Fixtures/reference.jsonl`.
///
/// Immutable after `init`, so one instance can be shared across threads.
public struct WordPieceTokenizer: Sendable {
    /// sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2 (not the 128 baked into
    /// `tokenizer.json`, nor `model_max_length` 512).
    public static let defaultMaxLength = 256
    /// Longer words (in scalars, after normalisation) are `[UNK]` without trying to split them.
    static let maxScalarsPerWord = 100
    static let continuationPrefix: [UInt32] = [0x23, 0x23]  // "##"

    /// Most ids `encode` returns, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    public let clsID: Int32
    public let sepID: Int32
    /// nil when the vocabulary has no pad token (nothing is padded: texts are packed).
    public let padID: Int32?
    public let unkID: Int32
    /// Lower case, accents, CJK spacing: as the model's tokenizer files ask (uncased by default).
    public let normalization: BertNormalization
    /// BERT's `[CLS]`... or MPNet's `<s>`...; `cls`, `sep` and `unk` must be in the vocabulary.
    public let specialTokens: SpecialTokens

    private let vocabulary: [String]
    private let trie: VocabularyTrie
    private let basicTokenizer: BasicTokenizer

    public var vocabularySize: Int { vocabulary.count }

    /// Loads a `vocab.txt`: UTF-8, one token per line, id = 0-based line index. `\n` or `\r\n`
    /// line ends; a final newline is optional.
    public init(vocabularyURL: URL, maxLength: Int = WordPieceTokenizer.defaultMaxLength,
                normalization: BertNormalization = .uncased, specialTokens: SpecialTokens = .bert) throws {
        let data: Data
        do {
            data = try Data(contentsOf: vocabularyURL)
        } catch {
            throw TokenizerError.vocabUnreadable(path: vocabularyURL.path, reason: error.localizedDescription)
        }
        guard let content = String(data: data, encoding: .utf8) else {
            throw TokenizerError.vocabUnreadable(path: vocabularyURL.path, reason: "not valid UTF-8")
        }
        // Split on scalars: as `Character`s, "\r\n" is a single element and would not split.
        var lines = content.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.last == "\r" ? line.dropLast() : line)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines, maxLength: maxLength, normalization: normalization, specialTokens: specialTokens)
    }

    /// Builds the tokenizer from the tokens in id order.
    public init(vocabulary: [String], maxLength: Int = WordPieceTokenizer.defaultMaxLength,
                normalization: BertNormalization = .uncased, specialTokens: SpecialTokens = .bert) throws {
        guard maxLength >= 2 else { throw TokenizerError.invalidMaxLength(maxLength) }
        guard !vocabulary.isEmpty else { throw TokenizerError.emptyVocabulary }
        precondition(vocabulary.count <= Int(Int32.max), "vocabulary too large for Int32 ids")
        let entries = vocabulary.map { $0.unicodeScalars.map(\.value) }
        if let empty = entries.firstIndex(where: \.isEmpty) {
            throw TokenizerError.emptyToken(line: empty + 1)
        }
        let trie: VocabularyTrie
        do {
            trie = try VocabularyTrie(entries: entries, continuationPrefix: Self.continuationPrefix)
        } catch {
            throw TokenizerError.duplicateToken(line: error.index + 1, token: vocabulary[error.index],
                                                firstLine: error.firstIndex + 1)
        }
        func require(_ name: String) throws -> Int32 {
            guard let id = trie.id(of: name.unicodeScalars.map(\.value)) else { throw TokenizerError.missingSpecialToken(name) }
            return id
        }
        unkID = try require(specialTokens.unk)
        clsID = try require(specialTokens.cls)
        sepID = try require(specialTokens.sep)
        padID = trie.id(of: specialTokens.pad.unicodeScalars.map(\.value))
        basicTokenizer = BasicTokenizer(specialTokens: specialTokens.matched.compactMap { name in
            trie.id(of: name.unicodeScalars.map(\.value)).map { BasicTokenizer.SpecialToken(name, id: $0) }
        }, normalization: normalization)
        self.trie = trie
        self.normalization = normalization
        self.specialTokens = specialTokens
        self.vocabulary = vocabulary
        self.maxLength = maxLength
    }

    /// `[CLS]` + wordpieces + `[SEP]`, wordpieces truncated so the total is at most `maxLength`
    /// (254 wordpieces at 256). Empty or whitespace-only text gives `[clsID, sepID]`.
    public func encode(_ text: String) -> [Int32] {
        var ids = wordpieceIDs(text, stoppingAt: maxLength - 2)
        ids.append(sepID)
        return ids
    }

    /// Wordpieces in `text` before truncation, without `[CLS]`/`[SEP]`; more than
    /// `maxLength - 2` means `encode` truncated it.
    public func wordpieceCount(_ text: String) -> Int {
        wordpieceIDs(text, stoppingAt: nil).count - 1
    }

    /// `encode(text)` and `wordpieceCount(text)` from a single pass.
    package func encodeCountingWordpieces(_ text: String) -> (ids: [Int32], wordpieceCount: Int) {
        var ids = wordpieceIDs(text, stoppingAt: nil)
        let count = ids.count - 1
        if ids.count > maxLength - 1 { ids.removeSubrange((maxLength - 1)...) }
        ids.append(sepID)
        return (ids, count)
    }

    /// Vocabulary strings for `ids`, for debugging; an id outside the vocabulary shows as `[UNK]`.
    public func tokens(for ids: [Int32]) -> [String] {
        ids.map { id in vocabulary.indices.contains(Int(id)) ? vocabulary[Int(id)] : vocabulary[Int(unkID)] }
    }

    /// `[CLS]` followed by the wordpieces of `text`, at most `limit` of them when a limit is given
    /// (tokenizing stops there: a 10,000-word text costs no more than a 254-piece one).
    private func wordpieceIDs(_ text: String, stoppingAt limit: Int?) -> [Int32] {
        var ids: [Int32] = [clsID]
        ids.reserveCapacity(min(text.utf8.count / 3 + 8, (limit ?? Int.max - 8) + 2))
        basicTokenizer.forEachPreToken(in: text) { preToken in
            switch preToken {
            case .special(let id):
                ids.append(id)
            case .word(let scalars):
                appendWordpieces(of: scalars, to: &ids)
            }
            guard let limit else { return true }
            if ids.count - 1 < limit { return true }
            ids.removeSubrange((limit + 1)...)
            return false
        }
        return ids
    }

    /// Greedy longest-match-first WordPiece (`tokenizers` `WordPiece::tokenize`): the longest
    /// vocabulary entry at the start, then the longest `##` entry at each following position.
    /// A word that cannot be covered completely becomes a single `[UNK]`, not partial pieces.
    private func appendWordpieces(of word: UnsafeBufferPointer<UInt32>, to ids: inout [Int32]) {
        guard word.count <= Self.maxScalarsPerWord else {
            ids.append(unkID)
            return
        }
        let firstPiece = ids.count
        var start = 0
        while start < word.count {
            var node = start == 0 ? VocabularyTrie.root : trie.continuationRoot
            var match = VocabularyTrie.none
            var matchEnd = start
            var position = start
            while node != VocabularyTrie.none && position < word.count {
                node = trie.child(of: node, label: word[position])
                position += 1
                if node != VocabularyTrie.none {
                    let id = trie.tokenID(at: node)
                    if id != VocabularyTrie.none {
                        match = id
                        matchEnd = position
                    }
                }
            }
            guard match != VocabularyTrie.none else {
                ids.removeSubrange(firstPiece...)
                ids.append(unkID)
                return
            }
            ids.append(match)
            start = matchEnd
        }
    }
}

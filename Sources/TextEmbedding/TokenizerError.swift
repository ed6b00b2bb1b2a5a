// TokenizerError: why a WordPiece vocabulary could not be loaded or a tokenizer not be built.
public import Foundation

/// Failures a user can cause when building a `WordPieceTokenizer` (a missing or malformed
/// `vocab.txt`, an impossible length). Line numbers are 1-based lines of `vocab.txt`, i.e. the
/// token id plus one (also for `init(vocabulary:)`, where "line" means array index + 1).
public enum TokenizerError: Error, Equatable, Sendable {
    /// The vocabulary file could not be read or decoded.
    case vocabUnreadable(path: String, reason: String)
    /// The vocabulary has no tokens at all.
    case emptyVocabulary
    /// A line of the vocabulary is empty; such an id could never be produced.
    case emptyToken(line: Int)
    /// The same token (same Unicode scalars) appears on two lines.
    case duplicateToken(line: Int, token: String, firstLine: Int)
    /// A special token the tokenizer needs (`[UNK]`, `[CLS]`, `[SEP]`, `[PAD]`) is not in the vocabulary.
    case missingSpecialToken(String)
    /// `maxLength` must leave room for `[CLS]` and `[SEP]`.
    case invalidMaxLength(Int)
}

extension TokenizerError: LocalizedError {
    public var errorDescription: String? {
        switch self {
        case let .vocabUnreadable(path, reason):
            return "Cannot read the WordPiece vocabulary at \(path): \(reason)"
        case .emptyVocabulary:
            return "The WordPiece vocabulary is empty."
        case let .emptyToken(line):
            return "The WordPiece vocabulary has an empty token on line \(line)."
        case let .duplicateToken(line, token, firstLine):
            return "The WordPiece vocabulary lists \"\(token)\" twice: on line \(firstLine) and on line \(line)."
        case let .missingSpecialToken(token):
            return "The WordPiece vocabulary has no \(token) token, which the model's tokenizer files name as one of its special tokens."
        case let .invalidMaxLength(length):
            return "maxLength must be at least 2 (room for [CLS] and [SEP]), got \(length)."
        }
    }
}

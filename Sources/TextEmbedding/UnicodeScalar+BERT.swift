// UnicodeScalar+BERT: the character classes of BERT's normalizer and pre-tokenizer (HF tokenizers crate).
import Foundation

/// Character classes as the HF `tokenizers` crate defines them in `normalizers/bert.rs` and
/// `pre_tokenizers/bert.rs`. They deliberately differ from the Python `tokenization_bert.py`
/// (see the fixture README): the fast tokenizer is the one sentence-transformers runs.
///
/// `tokenizers` takes control (`is_other`), punctuation and nonspacing-mark categories from the
/// `unicode_categories` crate, whose tables are Unicode 8.0's, while Swift's are much newer (17.0
/// in Swift 6.3). So the categories here are Unicode 8.0's: a scalar assigned later has none (it
/// is never deleted, stripped or split, nor decomposed, see `BasicTokenizer`), and the seven
/// scalars whose category changed since 8.0 keep their old one. Version 8.0 is inferred, and the
/// whole scheme checked, by comparing with `tokenizers` 0.23.3 on every code point wrapped as
/// `a<c>b` (and 100,000 random texts): without it 659 code points differed, with it none.
/// Lower-casing and White_Space come from Rust's std there and agree with Swift's tables.
enum BERTCharacterClass {
    /// What the ASCII fast path does with each scalar below 0x80.
    enum ASCIIRole: UInt8 {
        /// Control characters other than `\t \n \r`, and DEL: deleted by `clean_text`.
        case delete
        /// `\t \n \r` and space: end the current word.
        case whitespace
        /// Every printable non-alphanumeric: a word of its own (Rust `is_ascii_punctuation`).
        case punctuation
        /// Letters and digits: part of a word, upper case folded to lower case.
        case wordCharacter
    }

    /// The role of an ASCII scalar (`value < 0x80`).
    @inline(__always)
    static func asciiRole(_ value: UInt32) -> ASCIIRole {
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20: return .whitespace
        case 0x00..<0x20, 0x7F: return .delete
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return .wordCharacter
        default: return .punctuation
        }
    }

    /// The general category of a non-ASCII scalar in Unicode 8.0, or nil when Unicode 8.0 had
    /// it unassigned (including scalars unassigned today).
    @inline(__always)
    static func legacyCategory(_ scalar: Unicode.Scalar) -> Unicode.GeneralCategory? {
        let properties = scalar.properties
        // Everything assigned below U+0370 dates from Unicode 5.0 or earlier: skip the age lookup.
        if scalar.value >= 0x370 {
            guard let age = properties.age, (age.major, age.minor) <= (8, 0) else { return nil }
            switch scalar.value {
            case 0x166D, 0x111C9: return .otherPunctuation  // now So and Mn
            case 0x1734, 0x1171E: return .nonspacingMark  // now Mc
            case 0x1885, 0x1886: return .otherLetter  // now Mn
            case 0xA9BD: return .spacingMark  // now Mn
            default: break
            }
        }
        return properties.generalCategory
    }

    /// `clean_text` removes NUL, U+FFFD and `is_control` (`is_other`: Cc, Cf, Co). Unassigned
    /// (Cn) code points are kept, so a word holding one becomes `[UNK]` rather than losing the
    /// character (fixture "unassigned").
    @inline(__always)
    static func isDeleted(_ value: UInt32, category: Unicode.GeneralCategory?) -> Bool {
        if value == 0xFFFD { return true }
        switch category {
        case .control?, .format?, .privateUse?: return true
        default: return false
        }
    }

    /// Rust `char::is_whitespace` (White_Space) for a non-ASCII scalar. Its Cc members (`\u{85}`)
    /// are deleted before this is asked, which leaves Zs, U+2028 (Zl) and U+2029 (Zp).
    @inline(__always)
    static func isWhitespace(category: Unicode.GeneralCategory?) -> Bool {
        switch category {
        case .spaceSeparator?, .lineSeparator?, .paragraphSeparator?: return true
        default: return false
        }
    }

    /// `is_bert_punc` for a non-ASCII scalar: category P*. Non-ASCII symbols (`£ € ° ©`, emoji)
    /// are not punctuation. (ASCII symbols such as `$ + < = > ^ ` | ~` are; see `asciiRole`.)
    @inline(__always)
    static func isPunctuation(category: Unicode.GeneralCategory?) -> Bool {
        switch category {
        case .connectorPunctuation?, .dashPunctuation?, .openPunctuation?, .closePunctuation?,
             .initialPunctuation?, .finalPunctuation?, .otherPunctuation?:
            return true
        default:
            return false
        }
    }

    /// `is_chinese_char` of the fast tokenizer. These are fixed ranges, not the Ideographic
    /// property: extension G (U+30000...) is not split, and extension E starts at U+2B920
    /// here where original BERT has U+2B820 (fixture id 54).
    @inline(__always)
    static func isCJKIdeograph(_ value: UInt32) -> Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}

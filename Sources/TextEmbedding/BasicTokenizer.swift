// BasicTokenizer: BERT's text splitting before WordPiece (special tokens, cleaning, CJK, lower case, accents).
import Foundation

/// One unit produced by `BasicTokenizer`: a special token matched literally in the input, or a
/// normalised word (scalar values, lower-cased, accents stripped) for WordPiece to split. The
/// word's buffer is only valid during the call that receives it.
enum PreToken {
    case special(Int32)
    case word(UnsafeBufferPointer<UInt32>)
}

/// Ports the fast tokenizer's pipeline for `bert-base-uncased`-style models, i.e. the `tokenizers`
/// crate's added-token matching + `BertNormalizer` (clean_text, handle_chinese_chars,
/// strip_accents, lowercase, in that order) + `BertPreTokenizer` (split on whitespace, isolate
/// punctuation). HF `tokenization_bert.py` (`BasicTokenizer`) is the same design but differs on
/// Cn code points, final sigma and one CJK range; the fixtures follow the fast tokenizer.
///
/// Everything works on Unicode scalars, never `Character`s: a grapheme cluster can hold a letter
/// plus marks, `\r\n` is one `Character`, and a ZWJ emoji sequence is one `Character`.
struct BasicTokenizer: Sendable {
    struct SpecialToken: Sendable {
        var scalars: [Unicode.Scalar]
        var utf8: [UInt8]
        var id: Int32

        init(_ text: String, id: Int32) {
            scalars = Array(text.unicodeScalars)
            utf8 = Array(text.utf8)
            self.id = id
        }
    }

    /// Matched verbatim in the raw text, even inside a word (`[CLS]x[PAD]`, `<s>x`), before any
    /// normalisation, as `tokenizers`' AddedVocabulary does for `normalized: false` tokens.
    let specialTokens: [SpecialToken]
    let normalization: BertNormalization
    /// The first scalar and the first UTF-8 byte of each special token: the scan only looks for a
    /// match where one of them is (`[` alone for BERT).
    private let openingScalars: [Unicode.Scalar]
    private let openingBytes: [UInt8]

    init(specialTokens: [SpecialToken], normalization: BertNormalization = .uncased) {
        let tokens = specialTokens.filter { !$0.scalars.isEmpty }
        self.normalization = normalization
        // Longest first so that a leftmost-longest match falls out of taking the first hit.
        self.specialTokens = tokens.sorted { $0.scalars.count > $1.scalars.count }
        openingScalars = Array(Set(tokens.map { $0.scalars[0] })).sorted { $0.value < $1.value }
        openingBytes = Array(Set(tokens.map { $0.utf8[0] })).sorted()
    }

    /// Calls `body` for each special token and word of `text`, in order, until it returns false.
    func forEachPreToken(in text: String, _ body: (PreToken) -> Bool) {
        var splitter = WordSplitter(normalization)
        // Fast path: ASCII text straight from its UTF-8 bytes (no decoding, no NFD, no tables).
        let handled = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return false }
            forEachSegment(of: bytes, openers: openingBytes, pattern: \.utf8,
                           split: { splitter.splitASCII($0, body) }, body)
            return true
        }
        guard handled != true else { return }
        let scalars = Array(text.unicodeScalars)
        forEachSegment(of: scalars, openers: openingScalars, pattern: \.scalars,
                       split: { splitter.split($0, body) }, body)
    }

    /// Cuts `units` at the special tokens: `split` gets the text between them and `body` the
    /// special tokens themselves. Stops when either returns false.
    private func forEachSegment<Units: RandomAccessCollection>(
        of units: Units, openers: [Units.Element], pattern: KeyPath<SpecialToken, [Units.Element]>,
        split: (Units.SubSequence) -> Bool, _ body: (PreToken) -> Bool
    ) where Units.Index == Int, Units.Element: Equatable {
        var segmentStart = units.startIndex
        var index = units.startIndex
        while index < units.endIndex {
            // Checking only where a special token could open keeps the scan cheap.
            guard openers.contains(units[index]), let special = specialTokens.first(where: { special in
                let token = special[keyPath: pattern]
                return units.endIndex - index >= token.count
                    && units[index..<index + token.count].elementsEqual(token)
            }) else {
                index += 1
                continue
            }
            guard split(units[segmentStart..<index]), body(.special(special.id)) else { return }
            index += special[keyPath: pattern].count
            segmentStart = index
        }
        _ = split(units[segmentStart..<units.endIndex])
    }
}

/// Normalises a segment of text (the part between two special tokens) and cuts it into words.
/// Holds the reusable buffers so a text costs a few allocations, not one per scalar.
private struct WordSplitter {
    private var word: [UInt32] = []
    private var cleaned: [Unicode.Scalar] = []
    private let lowercase: Bool
    private let stripAccents: Bool
    private let splitCJK: Bool

    init(_ normalization: BertNormalization) {
        lowercase = normalization.lowercase
        stripAccents = normalization.stripAccents
        splitCJK = normalization.splitCJK
        word.reserveCapacity(64)
    }

    /// The whole text is ASCII: no NFD, no accents, and lower-casing (when on) is a bit flip.
    mutating func splitASCII(_ segment: Slice<UnsafeBufferPointer<UInt8>>,
                             _ body: (PreToken) -> Bool) -> Bool {
        for byte in segment {
            guard classifyASCII(UInt32(byte), body) else { return false }
        }
        return flush(body)
    }

    /// The general path, in the fast tokenizer's order: delete controls and map whitespace to a
    /// space, space out CJK ideographs, NFD and drop Mn, lower-case each scalar, then split.
    mutating func split(_ segment: ArraySlice<Unicode.Scalar>,
                        _ body: (PreToken) -> Bool) -> Bool {
        cleaned.removeAll(keepingCapacity: true)
        var needsDecomposition = false
        var hasPost8Scalars = false
        for scalar in segment {
            let value = scalar.value
            if value < 0x80 {
                switch BERTCharacterClass.asciiRole(value) {
                case .delete: continue
                case .whitespace: cleaned.append(" ")
                case .punctuation, .wordCharacter: cleaned.append(scalar)
                }
                continue
            }
            let category = BERTCharacterClass.legacyCategory(scalar)
            if BERTCharacterClass.isDeleted(value, category: category) { continue }
            if BERTCharacterClass.isWhitespace(category: category) {
                cleaned.append(" ")
                continue
            }
            if splitCJK && BERTCharacterClass.isCJKIdeograph(value) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
            if category == nil { hasPost8Scalars = true }
            // Nothing below U+00C0 has a canonical decomposition; CJK compatibility
            // ideographs (U+F900...) do, so they take the NFD path too.
            if value >= 0xC0 && stripAccents { needsDecomposition = true }
        }
        guard needsDecomposition else { return pushAll(cleaned[...], body) && flush(body) }
        guard hasPost8Scalars else { return pushDecomposed(cleaned[...], body) && flush(body) }
        // In `tokenizers` no scalar assigned after Unicode 8.0 decomposes (checked over every
        // code point; Foundation would split U+11938, from 13.0). So such a scalar passes
        // through untouched and, having combining class 0 there, bounds canonical reordering:
        // decompose the runs between them.
        var runStart = cleaned.startIndex
        for index in cleaned.indices
        where cleaned[index].value >= 0x370 && BERTCharacterClass.legacyCategory(cleaned[index]) == nil {
            guard pushDecomposed(cleaned[runStart..<index], body), push(cleaned[index], body) else {
                return false
            }
            runStart = index + 1
        }
        return pushDecomposed(cleaned[runStart...], body) && flush(body)
    }

    private mutating func pushAll(_ scalars: ArraySlice<Unicode.Scalar>,
                                  _ body: (PreToken) -> Bool) -> Bool {
        for scalar in scalars {
            guard push(scalar, body) else { return false }
        }
        return true
    }

    /// NFD over a whole run, not scalar by scalar, so that canonical reordering of combining
    /// marks matches `tokenizers`' `NormalizedString::nfd`.
    private mutating func pushDecomposed(_ scalars: ArraySlice<Unicode.Scalar>,
                                         _ body: (PreToken) -> Bool) -> Bool {
        guard !scalars.isEmpty else { return true }
        let decomposed = String(String.UnicodeScalarView(scalars)).decomposedStringWithCanonicalMapping
        for scalar in decomposed.unicodeScalars {
            guard push(scalar, body) else { return false }
        }
        return true
    }

    /// Strips a nonspacing mark, lower-cases, then classifies (after normalisation, as the
    /// pre-tokenizer sees it: U+037E GREEK QUESTION MARK becomes `;` and splits).
    private mutating func push(_ scalar: Unicode.Scalar, _ body: (PreToken) -> Bool) -> Bool {
        let value = scalar.value
        guard value >= 0x80 else { return classifyASCII(value, body) }
        let category = BERTCharacterClass.legacyCategory(scalar)
        if category == .nonspacingMark && stripAccents { return true }
        let properties = scalar.properties
        guard lowercase && properties.changesWhenLowercased else { return classify(scalar, category, body) }
        // Per-scalar full lower-case mapping, like Rust `char::to_lowercase`: no final-sigma
        // context (`ΟΔΟΣ` → `οδοσ`), and `İ` would give `i` + U+0307 (already split by NFD).
        // Kelvin sign → `k`, so the result can be ASCII.
        for lowered in properties.lowercaseMapping.unicodeScalars {
            let keepGoing = lowered.value < 0x80
                ? classifyASCII(lowered.value, body)
                : classify(lowered, BERTCharacterClass.legacyCategory(lowered), body)
            guard keepGoing else { return false }
        }
        return true
    }

    private mutating func classifyASCII(_ value: UInt32, _ body: (PreToken) -> Bool) -> Bool {
        switch BERTCharacterClass.asciiRole(value) {
        case .delete:
            return true
        case .whitespace:
            return flush(body)
        case .punctuation:
            return isolate(value, body)
        case .wordCharacter:
            word.append(lowercase && value >= 0x41 && value <= 0x5A ? value | 0x20 : value)
            return true
        }
    }

    private mutating func classify(_ scalar: Unicode.Scalar, _ category: Unicode.GeneralCategory?,
                                   _ body: (PreToken) -> Bool) -> Bool {
        if BERTCharacterClass.isWhitespace(category: category) { return flush(body) }
        if BERTCharacterClass.isPunctuation(category: category) { return isolate(scalar.value, body) }
        word.append(scalar.value)
        return true
    }

    /// Punctuation is a word of its own (`SplitDelimiterBehavior::Isolated`).
    private mutating func isolate(_ value: UInt32, _ body: (PreToken) -> Bool) -> Bool {
        guard flush(body) else { return false }
        word.append(value)
        return flush(body)
    }

    private mutating func flush(_ body: (PreToken) -> Bool) -> Bool {
        guard !word.isEmpty else { return true }
        let keepGoing = word.withUnsafeBufferPointer { body(.word($0)) }
        word.removeAll(keepingCapacity: true)
        return keepGoing
    }
}

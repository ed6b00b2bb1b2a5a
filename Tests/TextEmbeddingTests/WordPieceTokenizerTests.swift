// WordPieceTokenizerTests: ids equal HF's fast tokenizer on every fixture; edge cases and vocab errors are clear.
import XCTest
import Foundation
import TextEmbedding

/// One line of `reference.jsonl`, the fields the tokenizer is answerable for.
private struct TokenizerFixture: Decodable {
    var id: Int
    var category: String
    var text: String
    var inputIDs: [Int32]
    var tokens: [String]
    var wordpieceCount: Int
    var truncated: Bool

    enum CodingKeys: String, CodingKey {
        case id, category, text, tokens, truncated
        case inputIDs = "input_ids"
        case wordpieceCount = "n_wordpieces"
    }
}

private enum TokenizerTestSupport {
    /// `$LOCALRAG_MODEL_DIR`, else `<package root>/models/all-MiniLM-L6-v2` (installed by
    /// `scripts/lib/install-model.sh`).
    static var vocabularyURL: URL {
        if let directory = ProcessInfo.processInfo.environment["LOCALRAG_MODEL_DIR"], !directory.isEmpty {
            return URL(fileURLWithPath: directory).appendingPathComponent("vocab.txt")
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent("models/all-MiniLM-L6-v2/vocab.txt")
    }

    /// Loaded once: the 30,522-entry trie takes a few milliseconds to build.
    static let miniLM: Result<WordPieceTokenizer, Error> = Result {
        try WordPieceTokenizer(vocabularyURL: vocabularyURL)
    }

    static func tokenizer(file: StaticString = #filePath, line: UInt = #line) throws -> WordPieceTokenizer {
        switch miniLM {
        case .success(let tokenizer):
            return tokenizer
        case .failure(let error):
            XCTFail("all-MiniLM-L6-v2 vocab.txt not loadable (run scripts/lib/install-model.sh or set LOCALRAG_MODEL_DIR): "
                    + ((error as? LocalizedError)?.errorDescription ?? "\(error)"), file: file, line: line)
            throw error
        }
    }

    static func fixtures() throws -> [TokenizerFixture] {
        let folder = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let text = try String(contentsOf: folder.appendingPathComponent("reference.jsonl"), encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(TokenizerFixture.self, from: Data($0.utf8)) }
    }

    /// A vocabulary small enough to reason about by hand; ids are the indices.
    static let toyVocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",  // 0...4
        "un", "##aff", "##able", "a", "##b",  // 5...9
        "x", ",", "##a", "unaff", "!",  // 10...14
    ]

    static func temporaryFile(_ contents: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("localrag-vocab-\(UUID().uuidString).txt")
        try contents.write(to: url)
        return url
    }
}

final class WordPieceTokenizerTests: XCTestCase {
    private typealias Support = TokenizerTestSupport

    // MARK: Parity with the fast tokenizer

    func testEveryFixtureGivesItsInputIDs() throws {
        let tokenizer = try Support.tokenizer()
        let fixtures = try Support.fixtures()
        XCTAssertEqual(fixtures.count, 117)
        var failures: [String] = []
        for fixture in fixtures {
            let ids = tokenizer.encode(fixture.text)
            let count = tokenizer.wordpieceCount(fixture.text)
            if ids != fixture.inputIDs || count != fixture.wordpieceCount {
                failures.append("""
                    fixture \(fixture.id) (\(fixture.category)) \(fixture.text.debugDescription.prefix(160))
                      expected \(fixture.tokens) (\(fixture.wordpieceCount) wordpieces)
                      actual   \(tokenizer.tokens(for: ids)) (\(count) wordpieces)
                    """)
            }
            XCTAssertEqual(count > tokenizer.maxLength - 2, fixture.truncated, "fixture \(fixture.id) truncation flag")
            let single = tokenizer.encodeCountingWordpieces(fixture.text)
            XCTAssertEqual(single.ids, ids, "fixture \(fixture.id): encodeCountingWordpieces ids")
            XCTAssertEqual(single.wordpieceCount, count, "fixture \(fixture.id): encodeCountingWordpieces count")
        }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(fixtures.count) fixtures differ:\n"
                      + failures.joined(separator: "\n"))
    }

    func testVocabularyStringsMatchFixtureTokens() throws {
        let tokenizer = try Support.tokenizer()
        for fixture in try Support.fixtures() {
            XCTAssertEqual(tokenizer.tokens(for: fixture.inputIDs), fixture.tokens, "fixture \(fixture.id)")
        }
    }

    func testMiniLMSpecialIDs() throws {
        let tokenizer = try Support.tokenizer()
        XCTAssertEqual(tokenizer.vocabularySize, 30_522)
        XCTAssertEqual([tokenizer.padID, tokenizer.unkID, tokenizer.clsID, tokenizer.sepID], [0, 100, 101, 102])
        XCTAssertEqual(tokenizer.maxLength, WordPieceTokenizer.defaultMaxLength)
        XCTAssertEqual(WordPieceTokenizer.defaultMaxLength, 256)
    }

    // MARK: Edge cases

    func testEmptyAndWhitespaceOnlyGiveCLSAndSEP() throws {
        let tokenizer = try Support.tokenizer()
        // Deleted scalars (NUL, ZWSP, BOM, U+FFFD, a private-use one) leave nothing either.
        for text in ["", " ", "\t\n\r  ", "\r\n", "\u{A0}\u{3000}\u{2028}\u{2029}", "\u{0}\u{200B}\u{FEFF}\u{FFFD}\u{E000}"] {
            XCTAssertEqual(tokenizer.encode(text), [101, 102], text.debugDescription)
            XCTAssertEqual(tokenizer.wordpieceCount(text), 0, text.debugDescription)
        }
    }

    func testTruncationKeeps254WordpiecesBetweenCLSAndSEP() throws {
        let tokenizer = try Support.tokenizer()
        let aID = tokenizer.encode("a")[1]
        let exact = String(repeating: "a ", count: 254)
        XCTAssertEqual(tokenizer.encode(exact), [101] + Array(repeating: aID, count: 254) + [102])
        XCTAssertEqual(tokenizer.wordpieceCount(exact), 254)

        let long = String(repeating: "a ", count: 255)
        XCTAssertEqual(tokenizer.encode(long), tokenizer.encode(exact))
        XCTAssertEqual(tokenizer.wordpieceCount(long), 255)

        let huge = String(repeating: "the bank, ", count: 5_000)
        let ids = tokenizer.encode(huge)
        XCTAssertEqual(ids.count, 256)
        XCTAssertEqual(ids.first, 101)
        XCTAssertEqual(ids.last, 102)
        XCTAssertEqual(tokenizer.wordpieceCount(huge), 15_000)
        let single = tokenizer.encodeCountingWordpieces(huge)
        XCTAssertEqual(single.ids, ids)
        XCTAssertEqual(single.wordpieceCount, 15_000)
    }

    func testShorterMaxLength() throws {
        let tokenizer = try WordPieceTokenizer(vocabularyURL: Support.vocabularyURL, maxLength: 4)
        XCTAssertEqual(tokenizer.tokens(for: tokenizer.encode("one two three")), ["[CLS]", "one", "two", "[SEP]"])
        let minimal = try WordPieceTokenizer(vocabulary: Support.toyVocabulary, maxLength: 2)
        XCTAssertEqual(minimal.encode("x x"), [minimal.clsID, minimal.sepID])
        XCTAssertEqual(minimal.wordpieceCount("x x"), 2)
    }

    func testHundredScalarWordBoundary() throws {
        let tokenizer = try Support.tokenizer()
        let hundred = tokenizer.encode(String(repeating: "a", count: 100))
        XCTAssertGreaterThan(hundred.count, 3)
        XCTAssertFalse(hundred.contains(tokenizer.unkID))
        XCTAssertEqual(tokenizer.encode(String(repeating: "a", count: 101)), [101, 100, 102])
        // The limit counts scalars after accent stripping: 120 in, 60 after, so not [UNK].
        let accented = tokenizer.encode(String(repeating: "e\u{301}", count: 60))
        XCTAssertFalse(accented.contains(tokenizer.unkID))
        XCTAssertEqual(accented, tokenizer.encode(String(repeating: "e", count: 60)))
    }

    func testInvalidUTF8BecomesDeletedReplacementCharacters() throws {
        let tokenizer = try Support.tokenizer()
        // A lone surrogate encoded in UTF-8 decodes to U+FFFD, which BERT's cleaning deletes.
        let damaged = String(decoding: [0x61, 0xED, 0xA0, 0x80, 0x62] as [UInt8], as: UTF8.self)
        XCTAssertTrue(damaged.unicodeScalars.contains("\u{FFFD}"))
        XCTAssertEqual(tokenizer.encode(damaged), tokenizer.encode("ab"))
        let onlyDamage = String(decoding: [0xED, 0xA0, 0x80, 0xFF] as [UInt8], as: UTF8.self)
        XCTAssertEqual(tokenizer.encode(onlyDamage), [101, 102])
    }

    func testSpecialTokensMatchBeforeNormalisation() throws {
        let tokenizer = try Support.tokenizer()
        XCTAssertEqual(tokenizer.tokens(for: tokenizer.encode("[CLS]x[PAD]")), ["[CLS]", "[CLS]", "x", "[PAD]", "[SEP]"])
        XCTAssertEqual(tokenizer.tokens(for: tokenizer.encode("[mask]")), ["[CLS]", "[", "mask", "]", "[SEP]"])
        XCTAssertEqual(tokenizer.tokens(for: tokenizer.encode("é[MASK]é")), ["[CLS]", "e", "[MASK]", "e", "[SEP]"])
    }

    func testCategoriesFollowTheUnicode8TablesOfTokenizers() throws {
        // Expected tokens from `tokenizers` 0.23.3. Its control/punctuation/Mn classes come from
        // Unicode 8.0 tables; Swift's current tables would delete U+0890, split U+0A76, and so on.
        let tokenizer = try Support.tokenizer()
        let cases: [(String, [String])] = [
            ("ab\u{00AD}cd", ["abc", "##d"]),  // soft hyphen, Cf: deleted
            ("ab\u{0890}cd", ["[UNK]"]),  // Cf only since Unicode 14: kept
            ("ab\u{0378}cd", ["[UNK]"]),  // unassigned: kept
            ("ab\u{0A76}cd", ["[UNK]"]),  // Po only since Unicode 11: not split
            ("ab\u{166D}cd", ["ab", "[UNK]", "cd"]),  // Po in 8.0, So now: split
            ("ab\u{111C9}cd", ["ab", "[UNK]", "cd"]),  // Po in 8.0, Mn now: split
            ("ab\u{1734}cd", ["abc", "##d"]),  // Mn in 8.0, Mc now: stripped
            ("ab\u{1171E}cd", ["abc", "##d"]),  // Mn in 8.0, Mc now: stripped
            ("ab\u{1885}cd", ["[UNK]"]),  // Lo in 8.0, Mn now: kept
            ("ab\u{A9BD}cd", ["[UNK]"]),  // Mc in 8.0, Mn now: kept
            ("ab\u{11938}", ["[UNK]"]),  // decomposes since Unicode 13 only; must not become ab + U+11935 U+11930
            ("a\u{301}\u{316}b", ["ab"]),
        ]
        for (text, expected) in cases {
            let ids = tokenizer.encode(text)
            XCTAssertEqual(tokenizer.tokens(for: Array(ids.dropFirst().dropLast())), expected,
                           text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " "))
        }
    }

    // MARK: WordPiece on a hand-made vocabulary (no model needed)

    func testGreedyLongestMatchFirst() throws {
        let tokenizer = try WordPieceTokenizer(vocabulary: Support.toyVocabulary)
        XCTAssertEqual(tokenizer.vocabularySize, Support.toyVocabulary.count)
        // "unaff" beats "un" at the start, then the longest continuation each time.
        XCTAssertEqual(tokenizer.tokens(for: tokenizer.encode("Unaffable")), ["[CLS]", "unaff", "##able", "[SEP]"])
        XCTAssertEqual(tokenizer.tokens(for: tokenizer.encode("abab, x!")),
                       ["[CLS]", "a", "##b", "##a", "##b", ",", "x", "!", "[SEP]"])
        // One piece missing ("##c") makes the whole word a single [UNK], not "a ##b [UNK]".
        XCTAssertEqual(tokenizer.tokens(for: tokenizer.encode("abc x")), ["[CLS]", "[UNK]", "x", "[SEP]"])
        XCTAssertEqual(tokenizer.tokens(for: tokenizer.encode("x[SEP]a")), ["[CLS]", "x", "[SEP]", "a", "[SEP]"])
    }

    func testVocabularyFileWithCRLFAndNoFinalNewline() throws {
        let text = Support.toyVocabulary.joined(separator: "\r\n")
        let url = try Support.temporaryFile(Data(text.utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let fromFile = try WordPieceTokenizer(vocabularyURL: url)
        let fromArray = try WordPieceTokenizer(vocabulary: Support.toyVocabulary)
        XCTAssertEqual(fromFile.vocabularySize, Support.toyVocabulary.count)
        XCTAssertEqual(fromFile.encode("unaffable ab"), fromArray.encode("unaffable ab"))
    }

    func testMissingMaskIsAllowed() throws {
        let vocabulary = Support.toyVocabulary.map { $0 == "[MASK]" ? "mask" : $0 }
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        // Without a [MASK] entry the literal is ordinary text: "[" "mask" "]"; "]" is unknown.
        XCTAssertEqual(tokenizer.tokens(for: tokenizer.encode("[MASK]")), ["[CLS]", "[UNK]", "mask", "[UNK]", "[SEP]"])
    }

    // MARK: Errors

    func testVocabularyWithoutUNKIsRejected() throws {
        let url = try Support.temporaryFile(Data("[PAD]\n[CLS]\n[SEP]\n[MASK]\nhello\n".utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try WordPieceTokenizer(vocabularyURL: url)) { error in
            XCTAssertEqual(error as? TokenizerError, .missingSpecialToken("[UNK]"))
            XCTAssertTrue(error.localizedDescription.contains("[UNK]"), error.localizedDescription)
        }
        for name in ["[CLS]", "[SEP]"] {
            let vocabulary = Support.toyVocabulary.filter { $0 != name }
            XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: vocabulary)) { error in
                XCTAssertEqual(error as? TokenizerError, .missingSpecialToken(name))
            }
        }
        // Nothing is padded (texts are packed): a vocabulary without [PAD] is fine.
        XCTAssertNil(try WordPieceTokenizer(vocabulary: Support.toyVocabulary.filter { $0 != "[PAD]" }).padID)
    }

    func testUnreadableVocabularyNamesThePath() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("localrag-missing-\(UUID().uuidString)/vocab.txt")
        XCTAssertThrowsError(try WordPieceTokenizer(vocabularyURL: url)) { error in
            guard case .vocabUnreadable(let path, _)? = error as? TokenizerError else {
                return XCTFail("expected vocabUnreadable, got \(error)")
            }
            XCTAssertEqual(path, url.path)
            XCTAssertTrue(error.localizedDescription.contains(url.path), error.localizedDescription)
        }
    }

    func testVocabularyThatIsNotUTF8IsRejected() throws {
        let url = try Support.temporaryFile(Data([0x5B, 0x55, 0x4E, 0x4B, 0x5D, 0x0A, 0x61, 0xC3, 0x28, 0x0A]))
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try WordPieceTokenizer(vocabularyURL: url)) { error in
            guard case .vocabUnreadable(let path, let reason)? = error as? TokenizerError else {
                return XCTFail("expected vocabUnreadable, got \(error)")
            }
            XCTAssertEqual(path, url.path)
            XCTAssertTrue(reason.contains("UTF-8"), reason)
        }
    }

    func testDuplicateAndEmptyTokensAreRejectedWithTheirLine() throws {
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: Support.toyVocabulary + ["##able"])) { error in
            XCTAssertEqual(error as? TokenizerError, .duplicateToken(line: 16, token: "##able", firstLine: 8))
            XCTAssertTrue(error.localizedDescription.contains("line 16"), error.localizedDescription)
        }
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: ["[PAD]", "", "[UNK]"])) { error in
            XCTAssertEqual(error as? TokenizerError, .emptyToken(line: 2))
        }
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: [])) { error in
            XCTAssertEqual(error as? TokenizerError, .emptyVocabulary)
        }
    }

    func testCanonicallyEquivalentTokensAreDistinct() throws {
        // Swift `String` equality would call these equal; the vocabulary keys on exact scalars.
        let vocabulary = Support.toyVocabulary + ["\u{E9}", "e\u{301}"]
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        XCTAssertEqual(tokenizer.vocabularySize, vocabulary.count)
    }

    func testMaxLengthBelowTwoIsRejected() throws {
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: Support.toyVocabulary, maxLength: 1)) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidMaxLength(1))
            XCTAssertNotNil((error as? LocalizedError)?.errorDescription)
        }
    }
}

// PromptBuilderTests: the system prompt lists every label once, in code point order, byte-identical across rows; templates.
import XCTest
import Foundation
import VectorSearch
import RAG

final class PromptBuilderTests: XCTestCase {
    func neighbour(_ rank: Int, _ text: String, _ label: String) -> Neighbour {
        Neighbour(rank: rank, score: 0.9, document: Document(row: rank, sourceRow: rank, text: text, label: label))
    }

    func testSystemPromptListsEveryCategoryOnceInStableOrder() {
        let builder = PromptBuilder(categories: ["b_label", "Refund_not_showing_up", "a_label", "b_label", "not toxic"])
        XCTAssertEqual(builder.categories, ["Refund_not_showing_up", "a_label", "b_label", "not toxic"])
        let system = builder.systemPrompt
        XCTAssertTrue(system.hasSuffix("Categories:\n- Refund_not_showing_up\n- a_label\n- b_label\n- not toxic"), system)
        XCTAssertTrue(system.contains("top 10 documents retrieved by a RAG model"))
        let a = builder.messages(for: "first", neighbours: [neighbour(1, "x", "a_label")])
        let b = builder.messages(for: "second text", neighbours: nil)
        XCTAssertEqual(a[0], b[0], "the system message must be byte-identical for every row")
        XCTAssertEqual(a.map(\.role), [.system, .user])
    }

    func testUserMessageCarriesDocumentsAndInput() {
        let builder = PromptBuilder(categories: ["card_arrival", "pin_blocked"])
        let user = builder.messages(for: "where is my card", neighbours: [neighbour(1, "card not here\nyet", "card_arrival"),
                                                                           neighbour(2, "pin locked", "pin_blocked")])[1].content
        XCTAssertEqual(user, "Retrieved documents:\n1. [card_arrival] card not here yet\n2. [pin_blocked] pin locked\n\nInput text: where is my card\nCategory:")
        let plain = builder.messages(for: "where is my card", neighbours: nil)[1].content
        XCTAssertEqual(plain, "Input text: where is my card\nCategory:")
    }

    func testCustomTemplates() throws {
        let builder = PromptBuilder(categories: ["x", "y"], systemTemplate: try PromptTemplate("Pick one of: {{ categories }}"),
                                    ragUserTemplate: try PromptTemplate("{{documents}} || {{text}}"))
        XCTAssertEqual(builder.systemPrompt, "Pick one of: - x\n- y")
        XCTAssertEqual(builder.messages(for: "t", neighbours: [neighbour(1, "d", "x")])[1].content, "1. [x] d || t")
    }

    func testUnknownPlaceholderNamesFileAndLine() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        try "Hello\n{{text}}\nand {{labels}} here".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PromptTemplate.load(url)) { e in
            XCTAssertEqual((e as? LocalizedError)?.errorDescription,
                           "\(url.relativePath):3: unknown placeholder {{labels}} (known: {{categories}}, {{documents}}, {{text}})")
        }
    }
}

// LabelNormalizerTests: answers in every shape a model writes them, mapped to a category or kept raw.
import XCTest
import RAGLLM

final class LabelNormalizerTests: XCTestCase {
    let n = LabelNormalizer(categories: ["activate_my_card", "card_arrival", "exchange_rate", "Refund_not_showing_up"])

    func testShapesOfTheSameAnswer() {
        for answer in ["card_arrival", " card_arrival\n", "\"card_arrival\"", "'card_arrival'.", "`card_arrival`",
                       "Card_Arrival", "CARD ARRIVAL", "card-arrival", "Label: card_arrival", "label: \"card_arrival\"",
                       "Category: Card arrival.", "**card_arrival**", "- card_arrival", "[card_arrival]",
                       "{\"label\":\"card_arrival\"}", "{\n  \"label\": \"card_arrival\"\n}", "{\"category\": \"card_arrival\"}",
                       "card_arrival\nBecause the customer is waiting for the card.", "The category is card_arrival"] {
            let (label, valid) = n.normalize(answer)
            XCTAssertEqual(label, "card_arrival", answer)
            XCTAssertTrue(valid, answer)
        }
        XCTAssertEqual(n.normalize("refund not showing up").label, "Refund_not_showing_up", "the category's own spelling comes back")
    }

    func testAnswersOffTheListAreKeptAndInvalid() {
        let (label, valid) = n.normalize("I think this is about a lost card.")
        XCTAssertFalse(valid)
        XCTAssertEqual(label, "I think this is about a lost card")
        XCTAssertEqual(n.normalize("{\"label\": \"lost_card\"}").label, "lost_card")
        XCTAssertFalse(n.normalize("{\"label\": \"lost_card\"}").valid)
        XCTAssertFalse(n.normalize("").valid)
        XCTAssertFalse(n.normalize("card").valid, "a prefix of a label is not the label")
    }
}

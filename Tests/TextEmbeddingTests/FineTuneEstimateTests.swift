// FineTuneEstimateTests: the estimate counts the parameters the fine-tuner trains and grows with the batch and the rows.
import XCTest
import Foundation
import TextEmbedding
import TestSupport

final class FineTuneEstimateTests: XCTestCase {
    func testParametersAreTheOnesTheFineTunerTrains() throws {
        for variant in ["bert-uncased-mean", "mpnet-mean"] {
            let config = try EncoderConfig.read(try EncoderFixtures.folder(variant).appendingPathComponent("config.json"))
            let estimate = FineTuneEstimate(config: config, classes: 7, tokenCounts: [12, 30], recipe: FineTuneRecipe(), threads: 2)
            XCTAssertEqual(estimate.parameters, EncoderParameters(config: config, classes: 7).count, variant)
            XCTAssertEqual(estimate.tokensPerEpoch, 42, variant)
        }
    }

    func testMemoryFollowsTheLargestBatchAndTimeTheRowsAndThreads() throws {
        let config = try EncoderConfig.read(try EncoderFixtures.folder("mpnet-mean").appendingPathComponent("config.json"))
        var recipe = FineTuneRecipe()
        recipe.batchSize = 2
        let short = FineTuneEstimate(config: config, classes: 3, tokenCounts: [8, 8, 8, 8], recipe: recipe, threads: 1)
        let long = FineTuneEstimate(config: config, classes: 3, tokenCounts: [8, 8, 8, 60], recipe: recipe, threads: 1)
        XCTAssertGreaterThan(long.peakMemoryBytes, short.peakMemoryBytes)
        XCTAssertGreaterThan(long.seconds, short.seconds)
        recipe.batchSize = 4
        XCTAssertGreaterThan(FineTuneEstimate(config: config, classes: 3, tokenCounts: [8, 8, 8, 60], recipe: recipe, threads: 1).peakMemoryBytes,
                             long.peakMemoryBytes)
        let twoThreads = FineTuneEstimate(config: config, classes: 3, tokenCounts: [8, 8, 8, 60], recipe: recipe, threads: 2)
        let oneThread = FineTuneEstimate(config: config, classes: 3, tokenCounts: [8, 8, 8, 60], recipe: recipe, threads: 1)
        XCTAssertEqual(twoThreads.seconds * 2, oneThread.seconds, accuracy: 1e-12)
        XCTAssertTrue(twoThreads.summary.hasPrefix("estimate: "), twoThreads.summary)
        XCTAssertTrue(twoThreads.summary.contains(" at 2 threads ("), twoThreads.summary)
    }
}

// ContrastiveObjectiveTests: the contrastive loss and its gradient against a textbook tape and finite differences; the batches it trains on.
import XCTest
import Foundation
import LinearAlgebra
import TextEmbedding

final class ContrastiveObjectiveTests: XCTestCase {
    /// Khosla et al.'s supervised contrastive loss written as loops over tape scalars: unit rows,
    /// cosines, and for every sentence with a positive the mean over its positives of
    /// `log Σ_{j≠i} exp(s·cᵢⱼ) − s·cᵢₚ`, averaged over those sentences.
    static func referenceLoss(_ pooled: [[Tape.V]], labels: [Int], scale: Double, tape: Tape) -> Tape.V {
        let unit = pooled.map { row in
            let inverse = tape.rsqrt(tape.sum(row.map { tape.mul($0, $0) }))
            return row.map { tape.mul($0, inverse) }
        }
        func cosine(_ i: Int, _ j: Int) -> Tape.V { tape.sum(zip(unit[i], unit[j]).map { tape.mul($0, $1) }) }
        var perAnchor: [Tape.V] = []
        for i in unit.indices {
            let positives = unit.indices.filter { $0 != i && labels[$0] == labels[i] }
            guard !positives.isEmpty else { continue }
            let logSum = tape.log(tape.sum(unit.indices.filter { $0 != i }.map { tape.exp(tape.scale(cosine(i, $0), scale)) }))
            let terms = positives.map { tape.sub(logSum, tape.scale(cosine(i, $0), scale)) }
            perAnchor.append(tape.scale(tape.sum(terms), 1 / Double(positives.count)))
        }
        return tape.scale(tape.sum(perAnchor), 1 / Double(perAnchor.count))
    }

    let labels = [0, 1, 0, 2, 1, 0, 3]   // label 0 three times, 1 twice, 2 and 3 once (negatives only)
    let hidden = 8

    /// Tiny parameters only for the objective's shape (it reads the hidden size, not the weights).
    func parameters() -> EncoderParameters { EncoderParameters(config: EncoderBackwardTests.tiny, classes: 4) }

    func pooled(seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<(labels.count * EncoderBackwardTests.tiny.hiddenSize)).map { _ in Float(EncoderParameters.normal(&rng)) }
    }

    func reference(_ x: [Double], scale: Double) -> (loss: Double, gradient: [Double]) {
        let h = EncoderBackwardTests.tiny.hiddenSize
        let tape = Tape()
        let leaves = x.map { tape.leaf($0) }
        let rows = labels.indices.map { Array(leaves[($0 * h)..<(($0 + 1) * h)]) }
        let loss = Self.referenceLoss(rows, labels: labels, scale: scale, tape: tape)
        return (tape.value(loss), Array(tape.gradient(of: loss)[0..<x.count]))
    }

    func testLossAndGradientMatchTheTapeAndFiniteDifferences() {
        let p = parameters()
        for (seed, scale) in [(UInt64(1), 1.0), (2, 20.0), (3, 5.0)] {
            let e = pooled(seed: seed)
            let x = e.map(Double.init)
            let ref = reference(x, scale: scale)
            let fast = ContrastiveObjective(labels: labels, scale: scale)
                .evaluate(pooled: e, sentences: labels.count, parameters: p, gradients: EncoderParameters(zerosLike: p))
            XCTAssertEqual(fast.loss!, ref.loss, accuracy: 1e-5 * max(1, ref.loss), "scale \(scale)")
            let g = fast.pooledGradient!
            let largest = ref.gradient.map(abs).max()!
            for j in x.indices {
                XCTAssertEqual(Double(g[j]), ref.gradient[j], accuracy: 1e-4 * largest, "scale \(scale), entry \(j)")
            }
            // The tape itself against central differences of the Double loss.
            for j in stride(from: 0, to: x.count, by: 5) {
                var plus = x, minus = x
                plus[j] += 1e-6
                minus[j] -= 1e-6
                let numeric = (reference(plus, scale: scale).loss - reference(minus, scale: scale).loss) / 2e-6
                XCTAssertEqual(ref.gradient[j], numeric, accuracy: 1e-6 + 1e-5 * abs(numeric), "scale \(scale), entry \(j)")
            }
        }
    }

    func testABatchWithoutPositivesHasNoLossAndNoGradient() {
        let p = parameters()
        let r = ContrastiveObjective(labels: [0, 1, 2], scale: 20)
            .evaluate(pooled: Array(pooled(seed: 4).prefix(3 * EncoderBackwardTests.tiny.hiddenSize)), sentences: 3,
                      parameters: p, gradients: EncoderParameters(zerosLike: p))
        XCTAssertEqual(r.loss, 0)
        XCTAssertEqual(r.pooledGradient?.allSatisfy { $0 == 0 }, true)
    }

    func testTheLossFallsAsALabelsRowsComeTogether() {
        let p = parameters(), h = EncoderBackwardTests.tiny.hiddenSize
        var e = pooled(seed: 5)
        let objective = ContrastiveObjective(labels: labels, scale: 20)
        let before = objective.evaluate(pooled: e, sentences: labels.count, parameters: p, gradients: nil).loss!
        // Rows 0, 2 and 5 (label 0) halfway towards their mean.
        for t in 0..<h {
            let mean = (e[t] + e[2 * h + t] + e[5 * h + t]) / 3
            for r in [0, 2, 5] { e[r * h + t] = (e[r * h + t] + mean) / 2 }
        }
        XCTAssertLessThan(objective.evaluate(pooled: e, sentences: labels.count, parameters: p, gradients: nil).loss!, before)
    }

    func testBatchesKeepALabelsRowsTogetherAndTakeEveryRowOnce() {
        // Label of row r: r % 5 for 0..<37, so labels of 7 or 8 rows; row 40 is a label of its own.
        let rows = Array(0..<37) + [40]
        let label: (Int) -> Int = { $0 == 40 ? 99 : $0 % 5 }
        let order = ContrastiveBatches.order(rows, label: label, groupSize: 2, seed: 9)
        XCTAssertEqual(order.sorted(), rows, "every row once")
        XCTAssertEqual(order, ContrastiveBatches.order(rows, label: label, groupSize: 2, seed: 9), "seeded")
        XCTAssertNotEqual(order, ContrastiveBatches.order(rows, label: label, groupSize: 2, seed: 10))
        // Runs of one label are never a single row, but for the label that has one row.
        var runs: [(label: Int, length: Int)] = [(label(order[0]), 1)]
        for r in order.dropFirst() {
            if label(r) == runs[runs.count - 1].label { runs[runs.count - 1].length += 1 } else { runs.append((label(r), 1)) }
        }
        XCTAssertEqual(runs.filter { $0.length == 1 }.map(\.label), [99], "\(runs)")
        // In batches of 8, all but the rows cut off at a batch's edge (and the lone one) have a positive.
        var alone = 0
        for start in stride(from: 0, to: order.count, by: 8) {
            let batch = order[start..<min(order.count, start + 8)]
            alone += batch.filter { r in batch.filter { label($0) == label(r) }.count == 1 }.count
        }
        XCTAssertLessThanOrEqual(alone, 1 + 2 * ((order.count + 7) / 8), "rows without a positive in their batch")
    }
}

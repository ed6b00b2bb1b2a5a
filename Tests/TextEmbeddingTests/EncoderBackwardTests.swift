// EncoderBackwardTests: the fast backward held to a naive reverse-mode reference in Double and to finite differences, on a tiny BERT.
import XCTest
import Foundation
import LinearAlgebra
import TextEmbedding

/// A scalar reverse-mode tape in Double: every operation records its inputs and local
/// derivatives; `gradient()` walks it backwards. Slow and obviously right: the reference.
final class Tape {
    struct Node { var a: Int, da: Double, b: Int, db: Double }
    var values: [Double] = []
    var nodes: [Node] = []
    struct V { let i: Int }

    func leaf(_ x: Double) -> V { record(x, Node(a: -1, da: 0, b: -1, db: 0)) }
    func record(_ x: Double, _ n: Node) -> V { values.append(x); nodes.append(n); return V(i: values.count - 1) }
    func value(_ v: V) -> Double { values[v.i] }
    func add(_ x: V, _ y: V) -> V { record(values[x.i] + values[y.i], Node(a: x.i, da: 1, b: y.i, db: 1)) }
    func sub(_ x: V, _ y: V) -> V { record(values[x.i] - values[y.i], Node(a: x.i, da: 1, b: y.i, db: -1)) }
    func mul(_ x: V, _ y: V) -> V { record(values[x.i] * values[y.i], Node(a: x.i, da: values[y.i], b: y.i, db: values[x.i])) }
    func scale(_ x: V, _ c: Double) -> V { record(values[x.i] * c, Node(a: x.i, da: c, b: -1, db: 0)) }
    func exp(_ x: V) -> V { let e = Foundation.exp(values[x.i]); return record(e, Node(a: x.i, da: e, b: -1, db: 0)) }
    func log(_ x: V) -> V { record(Foundation.log(values[x.i]), Node(a: x.i, da: 1 / values[x.i], b: -1, db: 0)) }
    func div(_ x: V, _ y: V) -> V {
        let q = values[x.i] / values[y.i]
        return record(q, Node(a: x.i, da: 1 / values[y.i], b: y.i, db: -q / values[y.i]))
    }
    func rsqrt(_ x: V) -> V { let r = 1 / values[x.i].squareRoot(); return record(r, Node(a: x.i, da: -0.5 * r / values[x.i], b: -1, db: 0)) }
    func gelu(_ x: V) -> V {
        let u = values[x.i]
        let phi = 0.5 * (1 + Foundation.erf(u / 2.0.squareRoot()))
        return record(u * phi, Node(a: x.i, da: phi + u * Foundation.exp(-u * u / 2) / (2 * Double.pi).squareRoot(), b: -1, db: 0))
    }
    func sum(_ xs: [V]) -> V { xs.dropFirst().reduce(xs[0]) { add($0, $1) } }

    func gradient(of out: V) -> [Double] {
        var g = [Double](repeating: 0, count: values.count)
        g[out.i] = 1
        for i in stride(from: out.i, through: 0, by: -1) where g[i] != 0 {
            let n = nodes[i]
            if n.a >= 0 { g[n.a] += n.da * g[i] }
            if n.b >= 0 { g[n.b] += n.db * g[i] }
        }
        return g
    }
}

final class EncoderBackwardTests: XCTestCase {
    static let tiny = EncoderConfig(hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 16, vocabSize: 20,
                                    maxPositionEmbeddings: 12, typeVocabSize: 2, layerNormEps: 1e-12, hiddenAct: "gelu")
    /// A tiny MPNet: positions from 2, no token types, the bias by relative position (a 20-token
    /// sentence reaches the log-spaced buckets, where several distances share one).
    static let tinyMPNet = EncoderConfig(hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 16, vocabSize: 20,
                                         maxPositionEmbeddings: 24, typeVocabSize: 1, layerNormEps: 1e-5, hiddenAct: "gelu", modelType: "mpnet")
    static let bertSequences: [[Int32]] = [[1, 5, 7, 9, 2], [1, 3, 2], [1, 11, 4, 19, 6, 2], [1, 8, 2]]
    static let bertLabels = [0, 2, 1, 2]
    var sequences: [[Int32]] = EncoderBackwardTests.bertSequences
    var labels: [Int] = EncoderBackwardTests.bertLabels
    /// Set: the loss is the contrastive objective's with this scale instead of the softmax head's.
    var contrastiveScale: Double?

    /// Tiny parameters with weights large enough (std 0.3) that every non-linearity matters.
    func tinyParameters(seed: UInt64 = 7, config: EncoderConfig = EncoderBackwardTests.tiny) -> EncoderParameters {
        let p = EncoderParameters(config: config, classes: 3)
        p.initialiseRandomly(seed: seed)
        var rng = SplitMix64(seed: seed &+ 1)
        for j in 0..<p.count { p.values[j] += Float(EncoderParameters.normal(&rng) * 0.3) }
        return p
    }

    /// The loss written as textbook loops over tape scalars, reading every parameter as a leaf.
    func referenceLoss(_ p: EncoderParameters, _ x: [Double], tape: Tape) -> Tape.V {
        let c = p.config
        let h = c.hiddenSize, inter = c.intermediateSize, heads = c.numAttentionHeads, d = c.headSize
        let leaves = x.map { tape.leaf($0) }
        func w(_ offset: Int, _ j: Int) -> Tape.V { leaves[offset + j] }
        func layerNorm(_ row: [Tape.V], gamma: Int, beta: Int) -> [Tape.V] {
            let mean = tape.scale(tape.sum(row), 1 / Double(h))
            let centred = row.map { tape.sub($0, mean) }
            let variance = tape.scale(tape.sum(centred.map { tape.mul($0, $0) }), 1 / Double(h))
            let inv = tape.rsqrt(tape.add(variance, tape.leaf(Double(c.layerNormEps))))
            return (0..<h).map { j in tape.add(tape.mul(tape.mul(centred[j], inv), w(gamma, j)), w(beta, j)) }
        }
        func linear(_ row: [Tape.V], weight: Int, bias: Int, out: Int) -> [Tape.V] {
            (0..<out).map { o in tape.add(tape.sum(row.indices.map { i in tape.mul(row[i], w(weight, o * row.count + i)) }), w(bias, o)) }
        }
        var losses: [Tape.V] = [], pooledRows: [[Tape.V]] = []
        for (s, seq) in sequences.enumerated() {
            let n = seq.count
            var xs: [[Tape.V]] = seq.enumerated().map { pos, id in
                let row = (0..<h).map { j in
                    let sum = tape.add(w(p.wordEmbeddings, Int(id) * h + j), w(p.positionEmbeddings, (c.firstPosition + pos) * h + j))
                    return p.tokenTypeEmbeddings.map { tape.add(sum, w($0, j)) } ?? sum
                }
                return layerNorm(row, gamma: p.embeddingNormWeight, beta: p.embeddingNormBias)
            }
            for o in p.layers {
                let qkv = xs.map { linear($0, weight: o.qkvWeight, bias: o.qkvBias, out: 3 * h) }
                var context = [[Tape.V]](repeating: [], count: n)
                for hd in 0..<heads {
                    for i in 0..<n {
                        let scores = (0..<n).map { j in
                            let score = tape.scale(tape.sum((0..<d).map { e in tape.mul(qkv[i][hd * d + e], qkv[j][h + hd * d + e]) }), 1 / Double(d).squareRoot())
                            // MPNet: the bias of the bucket of j - i for this head.
                            return p.relativeAttentionBias.map { tape.add(score, w($0, MPNetPositions.bucket(j - i) * heads + hd)) } ?? score
                        }
                        let exps = scores.map { tape.exp($0) }
                        let total = tape.sum(exps)
                        let probs = exps.map { tape.div($0, total) }
                        context[i] += (0..<d).map { e in tape.sum((0..<n).map { j in tape.mul(probs[j], qkv[j][2 * h + hd * d + e]) }) }
                    }
                }
                let attended = (0..<n).map { i in
                    let a = linear(context[i], weight: o.outputWeight, bias: o.outputBias, out: h)
                    return layerNorm((0..<h).map { tape.add(a[$0], xs[i][$0]) }, gamma: o.attentionNormWeight, beta: o.attentionNormBias)
                }
                xs = attended.map { row in
                    let up = linear(row, weight: o.intermediateWeight, bias: o.intermediateBias, out: inter).map { tape.gelu($0) }
                    let down = linear(up, weight: o.ffnOutputWeight, bias: o.ffnOutputBias, out: h)
                    return layerNorm((0..<h).map { tape.add(down[$0], row[$0]) }, gamma: o.ffnNormWeight, beta: o.ffnNormBias)
                }
            }
            let pooled = (0..<h).map { j in tape.scale(tape.sum(xs.map { $0[j] }), 1 / Double(n)) }
            pooledRows.append(pooled)
            guard contrastiveScale == nil else { continue }
            let logits = linear(pooled, weight: p.headWeight, bias: p.headBias, out: p.classes)
            let logSum = tape.log(tape.sum(logits.map { tape.exp($0) }))
            losses.append(tape.sub(logSum, logits[labels[s]]))
        }
        if let contrastiveScale { return ContrastiveObjectiveTests.referenceLoss(pooledRows, labels: labels, scale: contrastiveScale, tape: tape) }
        return tape.scale(tape.sum(losses), 1 / Double(losses.count))
    }

    func referenceGradient(_ p: EncoderParameters) -> (loss: Double, gradient: [Double]) {
        let tape = Tape()
        let loss = referenceLoss(p, (0..<p.count).map { Double(p.values[$0]) }, tape: tape)
        return (tape.value(loss), Array(tape.gradient(of: loss)[0..<p.count]))
    }

    func fastGradient(_ p: EncoderParameters) -> (loss: Double, gradient: EncoderParameters) {
        let g = EncoderParameters(zerosLike: p)
        let pass = EncoderTrainingPass(parameters: p, dropout: 0)
        let out = contrastiveScale.map { pass.run(sequences, objective: ContrastiveObjective(labels: labels, scale: $0), gradients: g) }
            ?? pass.run(sequences, labels: labels, gradients: g)
        return (out.loss!, g)
    }

    func testFastBackwardMatchesTheReferenceTape() throws {
        try checkFastBackwardMatchesTheReferenceTape(tinyParameters())
    }

    func testMPNetFastBackwardMatchesTheReferenceTapeAndFiniteDifferences() throws {
        sequences = Self.bertSequences + [[1] + (0..<18).map { Int32(3 + $0 % 16) } + [2]]
        labels = Self.bertLabels + [1]
        try checkFastBackwardMatchesTheReferenceTape(tinyParameters(config: Self.tinyMPNet))
        try checkFiniteDifferences(tinyParameters(seed: 11, config: Self.tinyMPNet))
    }

    func checkFastBackwardMatchesTheReferenceTape(_ p: EncoderParameters) throws {
        let ref = referenceGradient(p)
        let fast = fastGradient(p)
        XCTAssertEqual(fast.loss, ref.loss, accuracy: 1e-5 * max(1, abs(ref.loss)))
        for t in p.tensors {
            let r = (0..<t.count).map { ref.gradient[t.offset + $0] }
            let scale = max(r.map(abs).max()!, 1e-3)
            let worst = (0..<t.count).map { abs(Double(fast.gradient.values[t.offset + $0]) - r[$0]) }.max()!
            XCTAssertLessThan(worst / scale, 2e-4, "\(t.name): max abs diff \(worst) of max |grad| \(scale)")
        }
    }

    func testReferenceAndFastBackwardMatchFiniteDifferences() throws {
        try checkFiniteDifferences(tinyParameters(seed: 11))
    }

    /// The contrastive objective back-propagated through the whole encoder (BERT and MPNet):
    /// the fast pass against the tape and finite differences, as for the softmax head.
    func testContrastiveBackwardMatchesTheReferenceTapeAndFiniteDifferences() throws {
        contrastiveScale = 5
        sequences = Self.bertSequences + [[1, 9, 9, 4, 2]]
        labels = [0, 2, 0, 2, 1]   // two pairs and a sentence with no positive (a negative only)
        try checkFastBackwardMatchesTheReferenceTape(tinyParameters())
        try checkFiniteDifferences(tinyParameters(seed: 11))
        try checkFastBackwardMatchesTheReferenceTape(tinyParameters(config: Self.tinyMPNet))
        let head = EncoderParameters(zerosLike: tinyParameters())
        _ = EncoderTrainingPass(parameters: tinyParameters(), dropout: 0)
            .run(sequences, objective: ContrastiveObjective(labels: labels, scale: 5), gradients: head)
        XCTAssertTrue((0..<(head.classes * head.config.hiddenSize + head.classes)).allSatisfy { head.values[head.headWeight + $0] == 0 },
                      "the head takes no part in the contrastive loss")
    }

    func checkFiniteDifferences(_ p: EncoderParameters) throws {
        let x = (0..<p.count).map { Double(p.values[$0]) }
        let ref = referenceGradient(p)
        let fast = fastGradient(p)
        // Central differences of the Double reference loss, on a sample of every tensor's entries.
        var rng = SplitMix64(seed: 3)
        for t in p.tensors {
            for _ in 0..<min(t.count, 6) {
                let j = t.offset + Int(rng.next() % UInt64(t.count))
                let step = 1e-5
                var plus = x, minus = x
                plus[j] += step
                minus[j] -= step
                let tp = Tape(), tm = Tape()
                let numeric = (tp.value(referenceLoss(p, plus, tape: tp)) - tm.value(referenceLoss(p, minus, tape: tm))) / (2 * step)
                XCTAssertEqual(ref.gradient[j], numeric, accuracy: 1e-7 + 1e-5 * abs(numeric), "\(t.name)[\(j - t.offset)] reference")
                XCTAssertEqual(Double(fast.gradient.values[j]), numeric, accuracy: 2e-5 + 1e-3 * abs(numeric), "\(t.name)[\(j - t.offset)] fast")
            }
        }
    }

    func testDropoutRepeatsWithTheSeedAndChangesWithout() throws {
        let p = tinyParameters()
        func grads(_ seed: UInt64) -> [Float] {
            let g = EncoderParameters(zerosLike: p)
            _ = EncoderTrainingPass(parameters: p, dropout: 0.3).run(sequences, labels: labels, gradients: g, dropoutSeed: seed)
            return Array(UnsafeBufferPointer(start: g.values, count: g.count))
        }
        XCTAssertEqual(grads(5), grads(5))
        XCTAssertNotEqual(grads(5), grads(6))
        // Dropout off at evaluation: the loss equals the no-dropout pass.
        XCTAssertEqual(EncoderTrainingPass(parameters: p, dropout: 0).run(sequences, labels: labels).loss!, fastGradient(p).loss, accuracy: 1e-9)
    }

    func testClippingFactorAndNorm() {
        let p = tinyParameters()
        let g = fastGradient(p).gradient
        let norm = AdamW.gradientNorm(g)
        let reference = (0..<g.count).reduce(0.0) { $0 + Double(g.values[$1]) * Double(g.values[$1]) }.squareRoot()
        XCTAssertEqual(norm, reference, accuracy: 1e-5 * reference)
        XCTAssertEqual(AdamW.clipFactor(norm: norm, maxNorm: 0), 1)
        XCTAssertEqual(AdamW.clipFactor(norm: 0.5, maxNorm: 1), 1)
        XCTAssertEqual(Double(AdamW.clipFactor(norm: 4, maxNorm: 1)), 0.25, accuracy: 1e-6)
    }

    func testATransposedProductMatchesTheReference() {
        var rng = SplitMix64(seed: 9)
        let k = 300, m = 200, n = 150
        let a = Matrix(rows: k, cols: m, storage: (0..<(k * m)).map { _ in Float(EncoderParameters.normal(&rng)) })
        let b = Matrix(rows: k, cols: n, storage: (0..<(k * n)).map { _ in Float(EncoderParameters.normal(&rng)) })
        var c = Matrix(rows: m, cols: n)
        a.storage.withUnsafeBufferPointer { pa in b.storage.withUnsafeBufferPointer { pb in c.storage.withUnsafeMutableBufferPointer { pc in
            GEMM.multiplyATransposed(m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
        } } }
        var worst: Float = 0
        for i in 0..<m { for j in 0..<n {
            var acc = 0.0
            for p in 0..<k { acc += Double(a[p, i]) * Double(b[p, j]) }
            worst = max(worst, abs(c[i, j] - Float(acc)))
        } }
        XCTAssertLessThan(worst, 1e-3)
    }
}

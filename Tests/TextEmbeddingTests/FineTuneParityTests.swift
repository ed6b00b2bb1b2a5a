// FineTuneParityTests: the Swift backward and AdamW step against torch's on the real model and real rows (fixture).
import XCTest
import Foundation
import TextEmbedding
import TestSupport

final class FineTuneParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct TensorEntry: Decodable {
            var norm: Double, sum: Double, shape: [Int], indices: [Int], values: [Double], before: [Double], after: [Double]
        }
        var torch: String
        var texts: [String]
        var labels: [String]
        var targets: [Int]
        var ids: [[Int32]]
        var head_weight: [Float]
        var head_bias: [Float]
        var loss: Double
        var tensors: [String: TensorEntry]
    }

    /// Where a Hugging Face tensor name lives in `EncoderParameters` (Q, K and V are stacked; BERT's
    /// `attention.self.query` or MPNet's `attention.attn.q`).
    func place(_ name: String, in p: EncoderParameters) -> Int? {
        let h = p.config.hiddenSize
        let parts = p.config.isMPNet ? ["attn.q", "attn.k", "attn.v"] : ["self.query", "self.key", "self.value"]
        for (k, which) in parts.enumerated() where name.contains(".attention.\(which).") {
            let layer = Int(name.split(separator: ".")[2])!
            let weight = name.hasSuffix("weight")
            let stacked = p.tensor(named: EncoderParameters.qkvName(layer, weight ? "weight" : "bias"))!
            return stacked.offset + k * (weight ? h * h : h)
        }
        return p.tensor(named: name)?.offset
    }

    func testGradientsAndOneAdamWStepMatchTorch() throws {
        _ = try ModelUnderTest.load()
        try checkParity("finetune_parity", modelDir: ModelUnderTest.directory)
    }

    /// MPNet (the random folder of the encoder fixtures): its relative-position bias, positions from 2, no token types.
    func testMPNetGradientsAndOneAdamWStepMatchTorch() throws {
        try checkParity("finetune_parity_mpnet", modelDir: try EncoderFixtures.folder("mpnet-mean"))
    }

    func checkParity(_ fixture: String, modelDir dir: URL) throws {
        let url = Bundle.module.url(forResource: fixture, withExtension: "json", subdirectory: "Fixtures")!
        let fx = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let p = EncoderParameters(config: try EncoderConfig.read(dir.appendingPathComponent("config.json")), classes: fx.labels.count)
        try p.load(from: SafeTensors(url: dir.appendingPathComponent("model.safetensors")))
        (p.values + p.headWeight).update(from: fx.head_weight, count: fx.head_weight.count)
        (p.values + p.headBias).update(from: fx.head_bias, count: fx.head_bias.count)
        // Our tokenizer gives torch's ids (the tokenizer's own parity test covers that); train on the recorded ones.
        let tokenizer = try EncoderLoader.load(from: dir).tokenizer
        XCTAssertEqual(fx.texts.map { tokenizer.encode($0) }, fx.ids)

        let g = EncoderParameters(zerosLike: p)
        let out = EncoderTrainingPass(parameters: p, dropout: 0).run(fx.ids, labels: fx.targets, gradients: g)
        XCTAssertEqual(out.loss!, fx.loss, accuracy: 2e-5, "loss")
        XCTAssertEqual(fx.tensors.count, p.tensors.count + 4 * p.config.numHiddenLayers, "every trained tensor of torch's (Q, K, V apart) is in the fixture")
        var worstNorm = 0.0, worstEntry = 0.0
        for (name, t) in fx.tensors {
            let offset = try XCTUnwrap(place(name, in: p), name)
            let count = t.shape.reduce(1, *)
            let grad = UnsafeBufferPointer(start: g.values + offset, count: count)
            let norm = grad.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            // The key bias adds the same amount to every score of a row: softmax ignores it, so its
            // gradient is zero up to rounding (about 1e-9 on both sides).
            if t.norm < 1e-6 {
                XCTAssertLessThan(norm, 1e-6, "\(name): gradient should vanish")
                continue
            }
            let relative = abs(norm - t.norm) / max(t.norm, 1e-12)
            worstNorm = max(worstNorm, relative)
            XCTAssertLessThan(relative, 1e-4, "\(name): gradient norm \(norm) vs torch \(t.norm)")
            let scale = max(t.values.map(abs).max() ?? 0, t.norm / Double(count).squareRoot(), 1e-12)
            for (i, j) in t.indices.enumerated() {
                let diff = abs(Double(grad[j]) - t.values[i]) / scale
                worstEntry = max(worstEntry, diff)
                XCTAssertLessThan(diff, 1e-4, "\(name)[\(j)]: \(grad[j]) vs torch \(t.values[i])")
                XCTAssertEqual(Double(p.values[offset + j]), t.before[i], accuracy: 1e-7, "\(name)[\(j)] before the step")
            }
        }
        print("torch \(fx.torch) parity: worst gradient-norm relative error \(worstNorm), worst sampled entry \(worstEntry) of the tensor's scale")

        var adam = AdamW(like: p, weightDecay: 0.01, headLearningRateMultiplier: 10)
        adam.update(p, gradients: g, learningRate: 1e-4)
        for (name, t) in fx.tensors {
            let offset = place(name, in: p)!
            for (i, j) in t.indices.enumerated() where abs(t.values[i]) > 1e-7 {
                // One Adam step moves each weight by about lr·sign(g): the sign and size must agree.
                XCTAssertEqual(Double(p.values[offset + j]), t.after[i], accuracy: 2e-7 + 1e-6 * abs(t.after[i]), "\(name)[\(j)] after one AdamW step")
            }
        }
    }
}

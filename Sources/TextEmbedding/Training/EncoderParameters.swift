// EncoderParameters: every trainable tensor of a BERT or MPNet encoder and its softmax head in one flat buffer, by name.
import Foundation
import LinearAlgebra

/// The tensors training updates, in one contiguous `Float` buffer (so AdamW, clipping and
/// checkpoints are single loops), with each tensor's name, shape and place. Gradients and the
/// optimizer's moments use the same layout (`init(zerosLike:)`). Linear weights are `[out x in]`
/// as in the safetensors file; Q, K and V are stacked into one `[3H x H]` tensor as the forward uses them.
public final class EncoderParameters: @unchecked Sendable {
    // Not shared across threads while written: one training step owns it.
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// Weight decay applies (not to biases, LayerNorm or the head, as in the reference recipe).
        public var decays: Bool
        /// Part of the softmax head (its own learning rate).
        public var isHead: Bool
    }

    /// Offsets of one transformer layer's tensors.
    package struct LayerOffsets {
        package var qkvWeight = 0, qkvBias = 0, outputWeight = 0, outputBias = 0, attentionNormWeight = 0, attentionNormBias = 0
        package var intermediateWeight = 0, intermediateBias = 0, ffnOutputWeight = 0, ffnOutputBias = 0, ffnNormWeight = 0, ffnNormBias = 0
    }

    public let config: EncoderConfig
    public let classes: Int
    public let tensors: [Tensor]
    public let count: Int
    public let values: UnsafeMutablePointer<Float>
    package let wordEmbeddings: Int, positionEmbeddings: Int
    /// BERT's token-type rows (nil for MPNet, which has none).
    package let tokenTypeEmbeddings: Int?
    /// MPNet's `[buckets x heads]` biases by relative position (nil for BERT).
    package let relativeAttentionBias: Int?
    package let embeddingNormWeight: Int, embeddingNormBias: Int
    package let layers: [LayerOffsets]
    package let headWeight: Int, headBias: Int

    /// Name of the stacked query/key/value tensor of `layer` (split into three when saved).
    package static func qkvName(_ layer: Int, _ part: String) -> String { "encoder.layer.\(layer).attention.self.qkv.\(part)" }
    public static let headWeightName = "classifier.weight"
    public static let headBiasName = "classifier.bias"

    /// Every tensor's place in the flat buffer, as `init(config:classes:)` lays it out.
    private struct Layout {
        var tensors: [Tensor], count: Int
        var wordEmbeddings: Int, positionEmbeddings: Int, tokenTypeEmbeddings: Int?, relativeAttentionBias: Int?
        var embeddingNormWeight: Int, embeddingNormBias: Int, layers: [LayerOffsets], headWeight: Int, headBias: Int
    }

    private static func layout(_ c: EncoderConfig, classes: Int) -> Layout {
        var list: [Tensor] = []
        var next = 0
        func add(_ name: String, _ shape: [Int], head: Bool = false) -> Int {
            // As the reference recipe (transformers' no_decay by substring): MPNet's relative_attention_bias is not decayed either.
            let decays = !head && !name.contains("LayerNorm") && !name.contains("bias")
            list.append(Tensor(name: name, shape: shape, offset: next, decays: decays, isHead: head))
            defer { next += shape.reduce(1, *) }
            return next
        }
        let h = c.hiddenSize, i = c.intermediateSize
        let wordEmbeddings = add("embeddings.word_embeddings.weight", [c.vocabSize, h])
        let positionEmbeddings = add("embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, h])
        let tokenTypeEmbeddings = c.isMPNet ? nil : add("embeddings.token_type_embeddings.weight", [c.typeVocabSize, h])
        let embeddingNormWeight = add("embeddings.LayerNorm.weight", [h])
        let embeddingNormBias = add("embeddings.LayerNorm.bias", [h])
        let relativeAttentionBias = c.isMPNet ? add("encoder.relative_attention_bias.weight", [c.relativeAttentionBuckets, c.numAttentionHeads]) : nil
        let names = EncoderWeights.LayerNames(mpnet: c.isMPNet)
        var layers: [LayerOffsets] = []
        for l in 0..<c.numHiddenLayers {
            let p = "encoder.layer.\(l)."
            var o = LayerOffsets()
            o.qkvWeight = add(Self.qkvName(l, "weight"), [3 * h, h])
            o.qkvBias = add(Self.qkvName(l, "bias"), [3 * h])
            o.outputWeight = add(p + names.attentionOutput + ".weight", [h, h])
            o.outputBias = add(p + names.attentionOutput + ".bias", [h])
            o.attentionNormWeight = add(p + names.attentionNorm + ".weight", [h])
            o.attentionNormBias = add(p + names.attentionNorm + ".bias", [h])
            o.intermediateWeight = add(p + "intermediate.dense.weight", [i, h])
            o.intermediateBias = add(p + "intermediate.dense.bias", [i])
            o.ffnOutputWeight = add(p + "output.dense.weight", [h, i])
            o.ffnOutputBias = add(p + "output.dense.bias", [h])
            o.ffnNormWeight = add(p + "output.LayerNorm.weight", [h])
            o.ffnNormBias = add(p + "output.LayerNorm.bias", [h])
            layers.append(o)
        }
        let headWeight = add(Self.headWeightName, [classes, h], head: true)
        let headBias = add(Self.headBiasName, [classes], head: true)
        return Layout(tensors: list, count: next, wordEmbeddings: wordEmbeddings, positionEmbeddings: positionEmbeddings,
                      tokenTypeEmbeddings: tokenTypeEmbeddings, relativeAttentionBias: relativeAttentionBias,
                      embeddingNormWeight: embeddingNormWeight, embeddingNormBias: embeddingNormBias, layers: layers,
                      headWeight: headWeight, headBias: headBias)
    }

    /// How many floats the parameters of `config` with a `classes`-way head take (without allocating them).
    public static func count(config: EncoderConfig, classes: Int) -> Int { layout(config, classes: classes).count }

    /// Zero-filled parameters of `config` with a `classes`-way head.
    public init(config c: EncoderConfig, classes: Int) {
        precondition(classes >= 1)
        self.config = c
        self.classes = classes
        let l = Self.layout(c, classes: classes)
        tensors = l.tensors
        count = l.count
        wordEmbeddings = l.wordEmbeddings
        positionEmbeddings = l.positionEmbeddings
        tokenTypeEmbeddings = l.tokenTypeEmbeddings
        relativeAttentionBias = l.relativeAttentionBias
        embeddingNormWeight = l.embeddingNormWeight
        embeddingNormBias = l.embeddingNormBias
        layers = l.layers
        headWeight = l.headWeight
        headBias = l.headBias
        values = .allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
    }

    /// Zeros in the layout of `other` (gradients, optimizer moments).
    public convenience init(zerosLike other: EncoderParameters) {
        self.init(config: other.config, classes: other.classes)
    }

    deinit { values.deallocate() }

    /// A copy of every value.
    public func copy() -> EncoderParameters {
        let out = EncoderParameters(zerosLike: self)
        out.values.update(from: values, count: count)
        return out
    }

    public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }

    public func pointer(_ offset: Int) -> UnsafeMutablePointer<Float> { values + offset }

    /// BERT's initialisation (normal 0.02 weights, zero biases, unit LayerNorm) for tests and tiny
    /// models; the head as torch's `nn.Linear` (uniform ±1/√in).
    public func initialiseRandomly(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for t in tensors where !t.isHead {
            let p = values + t.offset
            if t.name.contains("LayerNorm.weight") {
                for j in 0..<t.count { p[j] = 1 }
            } else if t.name.hasSuffix("bias") || t.name.contains("LayerNorm") {
                for j in 0..<t.count { p[j] = 0 }
            } else {
                for j in 0..<t.count { p[j] = Float(Self.normal(&rng) * 0.02) }
            }
        }
        initialiseHead(seed: seed)
    }

    /// The head as torch's `nn.Linear` initialises it: weight and bias uniform in ±1/√hidden.
    public func initialiseHead(seed: UInt64) {
        var rng = SplitMix64(seed: seed ^ 0x4845_4144)
        let bound = 1 / Double(config.hiddenSize).squareRoot()
        for j in 0..<(classes * config.hiddenSize + classes) {
            let u = Double(rng.next() >> 11) / Double(1 << 53)
            values[headWeight + j] = Float((2 * u - 1) * bound)
        }
    }

    package static func normal(_ rng: inout SplitMix64) -> Double {
        let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(rng.next() >> 11) / Double(1 << 53)
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// The encoder's tensors under the names of a Hugging Face BertModel or MPNetModel file (the
    /// stacked Q, K, V as three), each a view into `values`; the head excluded.
    public func encoderTensorsForSaving() -> [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)] {
        hfTensors().map { ($0.name, $0.shape, UnsafeBufferPointer($0.values)) }
    }

    /// Copies the encoder's tensors from a model's safetensors (the head is left as it is).
    public func load(from file: SafeTensors) throws {
        for t in hfTensors() {
            let src = try file.floats(t.name, shape: t.shape)
            t.values.baseAddress!.update(from: src.baseAddress!, count: src.count)
        }
    }

    /// Hugging Face name, shape and place in `values` of every encoder tensor.
    func hfTensors() -> [(name: String, shape: [Int], values: UnsafeMutableBufferPointer<Float>)] {
        let h = config.hiddenSize
        let names = EncoderWeights.LayerNames(mpnet: config.isMPNet)
        var out: [(name: String, shape: [Int], values: UnsafeMutableBufferPointer<Float>)] = []
        for t in tensors where !t.isHead {
            guard t.name.contains(".attention.self.qkv.") else {
                out.append((t.name, t.shape, UnsafeMutableBufferPointer(start: values + t.offset, count: t.count)))
                continue
            }
            let layer = t.name.split(separator: ".")[2]
            let part = t.name.hasSuffix("weight") ? "weight" : "bias"
            let shape = part == "weight" ? [h, h] : [h]
            let size = shape.reduce(1, *)
            for (k, which) in [names.query, names.key, names.value].enumerated() {
                out.append(("encoder.layer.\(layer).\(which).\(part)", shape,
                            UnsafeMutableBufferPointer(start: values + t.offset + k * size, count: size)))
            }
        }
        return out
    }
}

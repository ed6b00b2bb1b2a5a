// EncoderTrainingPass: one forward and backward of the encoder, its pooling and a training objective over packed tokens, in named steps.
import Foundation
import LinearAlgebra

/// Forward with the activations backward needs, then the exact gradient of the objective's loss
/// with respect to every parameter. Tokens of all sentences are packed into one `[tokens x hidden]`
/// matrix (no padding): dense layers and their gradients are sgemms over all tokens, attention
/// runs per sentence and head. Dropout (BERT's four places: embeddings, attention probabilities,
/// attention output, feed-forward output) is drawn from a seeded generator, so a step repeats
/// exactly. Memory: the activations of this batch only.
///
/// The steps, each a method: `embed` → `forwardLayer` per layer → `meanPool` → the objective →
/// `unpool` → `backwardLayer` per layer, last first → `backwardEmbeddings`. The objective is a
/// `TrainingObjective` (the softmax head by default); the architecture is the layer pair and
/// the embedding pair, with their kernels in LinearAlgebra.
public struct EncoderTrainingPass {
    public struct Output {
        /// The objective's loss over the batch (nil when it only predicts).
        public var loss: Double?
        /// The objective's outputs: for the softmax head, `[sentences x classes]` logits.
        public var logits: [Float]
        /// `[sentences x hidden]` mean-pooled embeddings (not normalised).
        public var pooled: [Float]
    }

    public let parameters: EncoderParameters
    /// Dropout probability (0 turns it off, as at evaluation).
    public var dropout: Float
    /// Activation buffers, kept from one run to the next.
    let arena = ActivationArena()

    public init(parameters: EncoderParameters, dropout: Float) {
        self.parameters = parameters
        self.dropout = dropout
    }

    /// Runs the batch through the softmax head. With `gradients`, also back-propagates `labels`
    /// (indices into the head's classes) and writes every parameter's gradient there (overwriting it).
    public func run(_ sequences: [[Int32]], labels: [Int]? = nil, gradients: EncoderParameters? = nil,
                    dropoutSeed: UInt64 = 0) -> Output {
        precondition(gradients == nil || labels != nil, "gradients need labels")
        return run(sequences, objective: SoftmaxHeadObjective(labels: labels), gradients: gradients, dropoutSeed: dropoutSeed)
    }

    /// Runs the batch through `objective`; with `gradients`, writes every parameter's gradient of
    /// its loss there (overwriting it).
    public func run(_ sequences: [[Int32]], objective: some TrainingObjective, gradients: EncoderParameters? = nil,
                    dropoutSeed: UInt64 = 0) -> Output {
        let config = parameters.config
        let batch = PackedBatch(sequences, heads: config.numAttentionHeads)
        arena.rewind()
        let saved = TrainingActivations(batch: batch, config: config, dropout: dropout > 0, arena: arena)
        var sites = DropoutSites(probability: dropout, seed: dropoutSeed)

        embed(batch, saved, &sites)
        for l in 0..<config.numHiddenLayers { forwardLayer(l, batch, saved, &sites) }
        let pooled = meanPool(saved.hidden[config.numHiddenLayers], batch)

        if let gradients { zero(gradients, batch) }
        let result = objective.evaluate(pooled: pooled, sentences: batch.count, parameters: parameters, gradients: gradients)
        let output = Output(loss: result.loss, logits: result.outputs, pooled: pooled)
        guard let gradients else { return output }
        guard let dPooled = result.pooledGradient else { preconditionFailure("the objective gave no gradient") }

        let flow = BackwardBuffers(batch: batch, config: config, arena: arena)
        unpool(dPooled, batch, into: flow.dOut)
        for l in stride(from: config.numHiddenLayers - 1, through: 0, by: -1) { backwardLayer(l, batch, saved, flow, gradients) }
        backwardEmbeddings(batch, saved, flow, gradients)
        return output
    }

    /// Zeroes `gradients` in parallel.
    func zero(_ gradients: EncoderParameters, _ batch: PackedBatch) {
        let chunks = BLASThreads.chunks(gradients.count, parts: batch.threads)
        BLASThreads.parallel(chunks.count) { part in
            (gradients.values + chunks[part].lowerBound).update(repeating: 0, count: chunks[part].count)
        }
    }
}

// TrainingActivations: what the forward keeps for backward, per layer, and the seeded dropout masks in the order they are drawn.
import LinearAlgebra

/// The activations of one batch (all from the pass's arena; masks nil without dropout).
struct TrainingActivations {
    /// Per transformer layer.
    struct Layer {
        /// The stacked Q, K, V projection with its bias (`[tokens x 3H]`).
        let qkv: UnsafeMutablePointer<Float>
        let probabilities: UnsafeMutablePointer<Float>
        let probabilityMask: UnsafeMutablePointer<Float>?
        /// Attention output before its projection (`[tokens x H]`).
        let context: UnsafeMutablePointer<Float>
        let attentionOutputMask: UnsafeMutablePointer<Float>?
        let attentionNormXhat: UnsafeMutablePointer<Float>
        let attentionNormInvStd: UnsafeMutablePointer<Float>
        /// The attention block's output, the feed-forward's input.
        let attended: UnsafeMutablePointer<Float>
        /// Up projection with bias, before GELU (`[tokens x I]`), and after.
        let up: UnsafeMutablePointer<Float>
        let activated: UnsafeMutablePointer<Float>
        let feedForwardMask: UnsafeMutablePointer<Float>?
        let feedForwardNormXhat: UnsafeMutablePointer<Float>
        let feedForwardNormInvStd: UnsafeMutablePointer<Float>
    }

    /// Input of each layer and the last layer's output (`layers + 1` of `[tokens x H]`).
    let hidden: [UnsafeMutablePointer<Float>]
    let layers: [Layer]
    let embeddingNormXhat: UnsafeMutablePointer<Float>
    let embeddingNormInvStd: UnsafeMutablePointer<Float>
    let embeddingMask: UnsafeMutablePointer<Float>?
    /// `[tokens x H]` scratch, shared by forward and backward.
    let scratch: UnsafeMutablePointer<Float>

    init(batch: PackedBatch, config c: EncoderConfig, dropout: Bool, arena: ActivationArena) {
        let t = batch.tokens, h = c.hiddenSize, inter = c.intermediateSize, layerCount = c.numHiddenLayers
        let probabilityCount = batch.probabilityCount
        func mask(_ n: Int) -> UnsafeMutablePointer<Float>? { dropout ? arena.take(n) : nil }
        // Requested in a fixed order, so the arena hands the same blocks back next batch.
        hidden = (0...layerCount).map { _ in arena.take(t * h) }
        let qkv = (0..<layerCount).map { _ in arena.take(t * 3 * h) }
        let probabilities = (0..<layerCount).map { _ in arena.take(probabilityCount) }
        let probabilityMasks = (0..<layerCount).map { _ in mask(probabilityCount) }
        let context = (0..<layerCount).map { _ in arena.take(t * h) }
        let attentionOutputMasks = (0..<layerCount).map { _ in mask(t * h) }
        let attentionNormXhat = (0..<layerCount).map { _ in arena.take(t * h) }
        let attentionNormInvStd = (0..<layerCount).map { _ in arena.take(t) }
        let attended = (0..<layerCount).map { _ in arena.take(t * h) }
        let up = (0..<layerCount).map { _ in arena.take(t * inter) }
        let activated = (0..<layerCount).map { _ in arena.take(t * inter) }
        let feedForwardMasks = (0..<layerCount).map { _ in mask(t * h) }
        let feedForwardNormXhat = (0..<layerCount).map { _ in arena.take(t * h) }
        let feedForwardNormInvStd = (0..<layerCount).map { _ in arena.take(t) }
        layers = (0..<layerCount).map { l in
            Layer(qkv: qkv[l], probabilities: probabilities[l], probabilityMask: probabilityMasks[l], context: context[l],
                  attentionOutputMask: attentionOutputMasks[l], attentionNormXhat: attentionNormXhat[l],
                  attentionNormInvStd: attentionNormInvStd[l], attended: attended[l], up: up[l], activated: activated[l],
                  feedForwardMask: feedForwardMasks[l], feedForwardNormXhat: feedForwardNormXhat[l],
                  feedForwardNormInvStd: feedForwardNormInvStd[l])
        }
        embeddingNormXhat = arena.take(t * h)
        embeddingNormInvStd = arena.take(t)
        embeddingMask = mask(t * h)
        scratch = arena.take(t * h)
    }
}

/// Draws the dropout masks of a batch in the order the forward meets them, each from its own
/// seed (the batch's seed and the mask's place), so a step repeats exactly.
struct DropoutSites {
    let probability: Float
    let seed: UInt64
    private var site: UInt64 = 0

    init(probability: Float, seed: UInt64) {
        self.probability = probability
        self.seed = seed
    }

    /// Fills `mask` (nothing when dropout is off and the mask nil).
    mutating func fill(_ mask: UnsafeMutablePointer<Float>?, count: Int) {
        guard let mask else { return }
        site += 1
        Dropout.mask(mask, count: count, p: probability, scale: 1 / (1 - probability), seed: seed &+ site &* 0xD1B5_4A32_D192_ED03)
    }
}

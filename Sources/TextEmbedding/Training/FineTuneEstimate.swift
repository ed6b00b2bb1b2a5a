// FineTuneEstimate: the peak memory and the time a fine-tuning run should take, from the model's size and the training rows' wordpieces.
import Foundation

/// What `EncoderFineTuner` expects a run to cost, told before the first step. Memory counts what
/// the run holds: the trained weights, their gradients and AdamW's two moments (four copies of the
/// parameters; the base model's mapped weights are let go once copied), the activations of the
/// largest batch (the arena keeps them across steps), the validation pass's forward activations,
/// and the process's fixed share. Time counts the multiply-adds of a
/// forward and backward over every wordpiece (6 per weight per token, and attention's 12 per
/// hidden unit per pair of tokens) at a per-thread rate measured on the machine of BENCHMARKS.md
/// (AMD EPYC Zen 3, OpenBLAS Zen kernels): a guide, not a promise; the progress line's ETA
/// measures the run itself.
public struct FineTuneEstimate: Sendable, Equatable {
    /// Trained parameters: the encoder's and the head's.
    public var parameters: Int
    /// Wordpieces in one epoch of training rows, [CLS] and [SEP] included.
    public var tokensPerEpoch: Int
    public var peakMemoryBytes: Int
    public var seconds: Double
    public var threads: Int

    /// Process memory that does not grow with the model (runtime, texts, tokenizer, libraries).
    static let fixedBytes = 160 << 20
    /// Useful floating-point operations a second per BLAS thread, fitted to the measured runs.
    static let flopsPerSecondPerThread = 50e9

    /// - Parameters:
    ///   - tokenCounts: wordpieces of each training row after truncation to the recipe's max length.
    ///   - largestBatch: the wordpieces of the rows of the run's largest batch (nil: the longest rows together).
    public init(config c: EncoderConfig, classes: Int, tokenCounts: [Int], largestBatch: [Int]? = nil, recipe: FineTuneRecipe, threads: Int) {
        let h = c.hiddenSize, inter = c.intermediateSize, layers = c.numHiddenLayers, heads = c.numAttentionHeads
        parameters = EncoderParameters.count(config: c, classes: classes)
        tokensPerEpoch = tokenCounts.reduce(0, +)
        self.threads = max(1, threads)

        let longest = largestBatch ?? Array(tokenCounts.sorted(by: >).prefix(recipe.batchSize))
        let batchTokens = longest.reduce(0, +)
        let squaredLengths = longest.reduce(0) { $0 + $1 * $1 }
        let masks = recipe.dropout > 0 ? 1 : 0
        // TrainingActivations (per layer: QKV, context, attention output, its norm, feed-forward in,
        // up and GELU, feed-forward norm; dropout masks; the layer inputs) and the backward's buffers.
        let perTokenForward = (layers + 1) * h + layers * (7 * h + 2 * inter + 2 + masks * 2 * h) + (3 + masks) * h + 1
        let perTokenBackward = 6 * h + inter
        let probabilities = layers * heads * squaredLengths * (1 + masks)
        let validationFloats = recipe.validationFraction > 0 ? batchTokens * (perTokenForward - layers * 2 * h * masks) : 0
        let activationFloats = batchTokens * (perTokenForward + perTokenBackward) + probabilities + validationFloats
        peakMemoryBytes = Self.fixedBytes + 4 * (4 * parameters + activationFloats)

        // Each wordpiece meets every layer parameter once forward and twice backward (a multiply-add each).
        let layerWeights = 4 * h * h + 2 * h * inter + 9 * h + inter
        let denseFlops = 6.0 * Double(layers * layerWeights) * Double(tokensPerEpoch)
        let attentionFlops = 12.0 * Double(layers * h) * Double(tokenCounts.reduce(0) { $0 + $1 * $1 })
        seconds = Double(recipe.epochs) * (denseFlops + attentionFlops) / (Self.flopsPerSecondPerThread * Double(self.threads))
    }

    /// One line for a terminal: `estimate: 3.9 GB peak memory, about 24 min at 2 threads (...)`.
    public var summary: String {
        let gb = Double(peakMemoryBytes) / 1e9
        let minutes = seconds / 60
        let time = minutes < 1 ? "under a minute" : minutes < 90 ? String(format: "about %.0f min", minutes) : String(format: "about %.1f h", minutes / 60)
        return String(format: "estimate: %.1f GB peak memory, %@ at %d thread%@ (%.1fM parameters, %d wordpieces an epoch)",
                      gb, time, threads, threads == 1 ? "" : "s", Double(parameters) / 1e6, tokensPerEpoch)
    }
}

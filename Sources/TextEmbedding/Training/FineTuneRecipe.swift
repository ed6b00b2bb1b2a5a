// FineTuneRecipe: the settings of an end-to-end encoder fine-tuning run and their checks.
import Foundation

/// What `EncoderFineTuner` trains with. Defaults are the reference recipe (transformers, CPU):
/// AdamW lr 1e-4 for the encoder and 10x for the head, weight decay 0.01 (not on biases,
/// LayerNorm or the head), batch 32, max length 64, 10% linear warm-up then linear decay,
/// dropout 0.1, gradient norm clipped at 1. `objective` chooses the loss: the softmax head
/// (cross-entropy over the labels) or the contrastive one for a few examples per label.
public struct FineTuneRecipe: Codable, Sendable, Equatable {
    /// What the encoder is trained for.
    public enum Objective: String, Codable, Sendable, CaseIterable {
        /// A softmax head over the labels, trained with the encoder (cross-entropy).
        case softmax
        /// `ContrastiveObjective` over batches of `ContrastiveBatches` (rows of a label meet in
        /// every batch); a logistic head is fitted on the result afterwards.
        case contrastive
    }

    public var objective = Objective.softmax
    public var epochs = 3
    public var learningRate: Float = 1e-4
    public var headLearningRateMultiplier: Float = 10
    public var batchSize = 32
    public var maxLength = 64
    public var warmupFraction: Float = 0.1
    public var weightDecay: Float = 0.01
    public var dropout: Float = 0.1
    /// 0 turns clipping off.
    public var clipNorm: Float = 1
    public var seed: UInt64 = 0
    /// Share of the training rows held out to pick the best epoch (0: keep the last epoch).
    public var validationFraction: Double = 0.1
    /// The contrastive objective's cosine scale (1/temperature).
    public var contrastiveScale: Double = 20
    /// Rows of one label kept together in a contrastive batch.
    public var contrastiveGroup = 2
    /// L2 penalty of the head fitted after contrastive training (as `rag train head`'s default).
    public var headLambda: Double = 0.02

    public init() {}

    /// The reference recipe for `objective`: the contrastive one runs more epochs (on data/ at 8
    /// rows per label, 3 epochs gave 0.651, 5 gave 0.667, 8 0.674; at 16, 5 and 8 the same 0.703).
    public init(objective: Objective) {
        self.objective = objective
        if objective == .contrastive { epochs = Self.contrastiveEpochs }
    }

    public static let contrastiveEpochs = 5

    /// Throws `FineTuneError.badSetting` naming the first setting out of range.
    public func check() throws {
        func bad(_ name: String, _ value: Any, _ want: String) -> FineTuneError { .badSetting(name: name, value: "\(value)", expected: want) }
        guard epochs >= 1 else { throw bad("epochs", epochs, "at least 1") }
        guard learningRate > 0, learningRate.isFinite else { throw bad("lr", learningRate, "a positive number") }
        guard batchSize >= 1 else { throw bad("batch", batchSize, "at least 1") }
        guard maxLength >= 3, maxLength <= 512 else { throw bad("max-length", maxLength, "3...512") }
        guard (0..<1).contains(warmupFraction) else { throw bad("warmup", warmupFraction, "0 <= warmup < 1") }
        guard weightDecay >= 0 else { throw bad("weight-decay", weightDecay, "at least 0") }
        guard (0..<1).contains(dropout) else { throw bad("dropout", dropout, "0 <= dropout < 1") }
        guard clipNorm >= 0 else { throw bad("clip", clipNorm, "at least 0 (0: no clipping)") }
        guard (0..<1).contains(validationFraction) else { throw bad("validation", validationFraction, "0 <= validation < 1") }
        guard contrastiveScale > 0, contrastiveScale.isFinite else { throw bad("scale", contrastiveScale, "a positive number") }
        guard contrastiveGroup >= 2, contrastiveGroup <= max(2, batchSize) else { throw bad("group", contrastiveGroup, "2...batch (\(batchSize))") }
        guard headLambda > 0, headLambda.isFinite else { throw bad("head-lambda", headLambda, "a positive number") }
    }

    /// The multiplier of the learning rate at 0-based step `step` of `total`: linear warm-up over
    /// the first `warmupFraction` of the steps, then linear decay to 0 (transformers'
    /// get_linear_schedule_with_warmup, as the reference's LambdaLR computes it).
    public func learningRateFactor(step: Int, total: Int) -> Float {
        let warm = Int(Double(warmupFraction) * Double(total))
        if step < warm { return Float(step + 1) / Float(max(1, warm)) }
        return max(0, Float(total - step) / Float(max(1, total - warm)))
    }
}

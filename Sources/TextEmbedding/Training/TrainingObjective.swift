// TrainingObjective: the loss the encoder is trained for, seen from the pooled sentence embeddings (the seam a new loss plugs into).

/// What a training pass asks of a loss: from the batch's pooled embeddings, the loss, and with
/// `gradients` its derivative with respect to each pooled embedding (the pass back-propagates it
/// through the encoder). An objective with parameters of its own (a head) adds their gradients
/// into `gradients`, which the pass has zeroed.
public protocol TrainingObjective {
    /// `pooled` is `[sentences x hidden]`, row-major.
    func evaluate(pooled: [Float], sentences: Int, parameters: EncoderParameters, gradients: EncoderParameters?) -> ObjectiveResult
}

/// One objective evaluation.
public struct ObjectiveResult {
    /// The batch's loss (nil when the objective only predicts, e.g. a head without labels).
    public var loss: Double?
    /// What the objective outputs per sentence (a head's logits, `[sentences x classes]`; empty otherwise).
    public var outputs: [Float]
    /// dLoss/dPooled, `[sentences x hidden]` (nil without gradients).
    public var pooledGradient: [Float]?

    public init(loss: Double?, outputs: [Float], pooledGradient: [Float]?) {
        self.loss = loss
        self.outputs = outputs
        self.pooledGradient = pooledGradient
    }
}

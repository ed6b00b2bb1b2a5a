// FineTuningJobRequest: the body of POST /fine_tuning/jobs (training file id, base model, epochs, suffix).

public struct FineTuningJobRequest: Encodable, Sendable, Equatable {
    public var trainingFile: String
    public var model: String
    /// nil: the server picks (OpenAI's "auto").
    public var epochs: Int?
    /// Up to 18 characters added to the fine-tuned model's name (ft:base:org:SUFFIX:id).
    public var suffix: String?

    public init(trainingFile: String, model: String, epochs: Int? = nil, suffix: String? = nil) {
        self.trainingFile = trainingFile
        self.model = model
        self.epochs = epochs
        self.suffix = suffix
    }

    struct Hyperparameters: Encodable { var n_epochs: Int }

    enum CodingKeys: String, CodingKey { case trainingFile = "training_file", model, suffix, hyperparameters }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(trainingFile, forKey: .trainingFile)
        try c.encode(model, forKey: .model)
        try c.encodeIfPresent(suffix, forKey: .suffix)
        if let epochs { try c.encode(Hyperparameters(n_epochs: epochs), forKey: .hyperparameters) }
    }
}

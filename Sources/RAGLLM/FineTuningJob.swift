// FineTuningJob: a fine-tuning job object (create, retrieve): its status and, once it succeeded, the model id to classify with.

public struct FineTuningJob: Codable, Sendable, Equatable {
    public struct Failure: Codable, Sendable, Equatable {
        public var code: String?
        public var message: String?
    }

    public var id: String
    public var status: String
    public var model: String?
    public var fineTunedModel: String?
    public var trainingFile: String?
    public var trainedTokens: Int?
    public var error: Failure?

    enum CodingKeys: String, CodingKey {
        case id, status, model, error
        case fineTunedModel = "fine_tuned_model", trainingFile = "training_file", trainedTokens = "trained_tokens"
    }

    /// succeeded, failed or cancelled: the status will not change again.
    public var isFinished: Bool { ["succeeded", "failed", "cancelled"].contains(status) }
}

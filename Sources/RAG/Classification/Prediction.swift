// Prediction: one line of a predictions file (row, text, gold, predicted, confidence, method, raw answer, error).

/// What `rag classify` writes, one JSON object per input row (in input order, except LLM batches,
/// which append rows as they finish).
public struct Prediction: Codable, Sendable, Equatable {
    public var row: Int
    public var text: String
    public var gold: String?
    public var predicted: String
    public var confidence: Double
    public var method: String
    /// The model's answer as received (LLM methods only).
    public var raw: String?
    /// Why no answer came (LLM methods, after the last retry); `predicted` is then "".
    public var error: String?

    public init(row: Int, text: String, gold: String?, predicted: String, confidence: Double, method: String, raw: String? = nil,
                error: String? = nil) {
        self.row = row
        self.text = text
        self.gold = gold
        self.predicted = predicted
        self.confidence = confidence
        self.method = method
        self.raw = raw
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case row, text, gold, predicted, confidence, method, raw, error }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(row, forKey: .row)
        try c.encode(text, forKey: .text)
        try c.encodeIfPresent(gold, forKey: .gold)
        try c.encode(predicted, forKey: .predicted)
        try c.encode((confidence * 1e6).rounded() / 1e6, forKey: .confidence)
        try c.encode(method, forKey: .method)
        try c.encodeIfPresent(raw, forKey: .raw)
        try c.encodeIfPresent(error, forKey: .error)
    }
}

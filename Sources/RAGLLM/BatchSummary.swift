// BatchSummary: what an LLM batch did: rows answered, invalid, failed, left for resume; accuracy; latency and prompt-cache use.

public struct BatchSummary: Sendable, Equatable {
    /// Rows of the input.
    public var total = 0
    /// Rows found done in the output before this run (`--resume`).
    public var resumed = 0
    /// Rows answered in this run (valid or not).
    public var answered = 0
    /// Answers, of this run, that named no category.
    public var invalid = 0
    /// Rows of this run recorded as failed after the last retry.
    public var failed = 0
    /// Rows not done when the run stopped; `--resume` does them.
    public var remaining = 0
    /// Over every row in the output, old and new: rows with a gold label, and those predicted right.
    public var labelled = 0
    public var correct = 0
    /// Retries made (429, 5xx, timeouts...).
    public var retries = 0
    public var seconds = 0.0
    /// Per answered row: wall seconds from first send to answer (retries included).
    public var latencies: [Double] = []
    public var promptTokens = 0
    public var cachedPromptTokens = 0
    public var completionTokens = 0

    public init() {}

    public var accuracy: Double? { labelled > 0 ? Double(correct) / Double(labelled) : nil }

    public var medianLatency: Double? {
        guard !latencies.isEmpty else { return nil }
        let s = latencies.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Rows of this run per second of wall time.
    public var rowsPerSecond: Double { seconds > 0 ? Double(answered + failed) / seconds : 0 }
}

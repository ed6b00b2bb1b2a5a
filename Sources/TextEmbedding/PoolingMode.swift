// PoolingMode: how sentence-transformers' Pooling module turns a text's token vectors into one (cls, max, mean, mean/√n, weighted mean, last token).

/// One of sentence-transformers' pooling modes, named as `1_Pooling/config.json` names them. A
/// folder may ask for several: their vectors are concatenated in the order given.
public enum PoolingMode: String, Sendable, CaseIterable {
    case cls
    case max
    case mean
    case meanSqrtLength = "mean_sqrt_len_tokens"
    case weightedMean = "weightedmean"
    case lastToken = "lasttoken"

    /// The boolean field of the configuration sentence-transformers wrote before 6.x (`pooling_mode_mean_tokens`, ...),
    /// in the order its Pooling module concatenated them.
    public var legacyField: String {
        switch self {
        case .cls: return "pooling_mode_cls_token"
        case .max: return "pooling_mode_max_tokens"
        case .mean: return "pooling_mode_mean_tokens"
        case .meanSqrtLength: return "pooling_mode_mean_sqrt_len_tokens"
        case .weightedMean: return "pooling_mode_weightedmean_tokens"
        case .lastToken: return "pooling_mode_lasttoken"
        }
    }

    /// Pools the `count` token rows at `tokens` (`hidden` floats each, one text, no padding) into
    /// the `hidden` floats at `out`, as sentence-transformers does over a right-padded batch.
    func pool(_ tokens: UnsafePointer<Float>, count n: Int, hidden h: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .cls, .lastToken:
            let row = tokens + (self == .cls ? 0 : n - 1) * h
            for j in 0..<h { out[j] = row[j] }
        case .max:
            for j in 0..<h { out[j] = tokens[j] }
            for t in 1..<Swift.max(n, 1) {
                let row = tokens + t * h
                for j in 0..<h where row[j] > out[j] { out[j] = row[j] }
            }
        case .mean, .meanSqrtLength:
            for j in 0..<h { out[j] = 0 }
            for t in 0..<n {
                let row = tokens + t * h
                for j in 0..<h { out[j] += row[j] }
            }
            let scale = 1 / (self == .mean ? Float(n) : Float(n).squareRoot())
            for j in 0..<h { out[j] *= scale }
        case .weightedMean:
            // Weights 1, 2, ..., n by position.
            for j in 0..<h { out[j] = 0 }
            for t in 0..<n {
                let row = tokens + t * h, w = Float(t + 1)
                for j in 0..<h { out[j] += w * row[j] }
            }
            let scale = 1 / (Float(n) * Float(n + 1) / 2)
            for j in 0..<h { out[j] *= scale }
        }
    }
}

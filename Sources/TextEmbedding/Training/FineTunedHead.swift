// FineTunedHead: the softmax head saved beside a fine-tuned encoder, applied to its mean-pooled embeddings.
public import Foundation
import LinearAlgebra

/// `head.safetensors` of a model folder written by `EncoderFineTuner`: `[classes x hidden]`
/// weights, bias, and the labels in class order. It reads mean-pooled embeddings that are NOT
/// L2-normalised; `SentenceEncoder.encode(_:as:normalized: false)` gives them. A head fitted
/// after contrastive training was fitted on unit rows: its metadata says so and it scales them.
public struct FineTunedHead: Sendable {
    public let labels: [String]
    public let hidden: Int
    let weight: [Float]
    let bias: [Float]
    /// Whether the head scales each embedding to unit length before its logits.
    public let normalisesInput: Bool

    /// The `pooling` metadata of head.safetensors: what the head was trained on.
    static func pooling(normalised: Bool) -> String { normalised ? "mean, normalised" : "mean, not normalised" }

    public static func load(modelFolder: URL) throws -> FineTunedHead {
        let url = modelFolder.appendingPathComponent(EncoderFineTuner.headFileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FineTuneError.notAFineTunedModel(path: modelFolder.path, reason: "no \(EncoderFineTuner.headFileName)")
        }
        let file = try SafeTensors(url: url)
        guard let json = file.metadata["labels"], let labels = try? JSONDecoder().decode([String].self, from: Data(json.utf8)),
              let shape = file.tensors[EncoderParameters.headWeightName]?.shape, shape.count == 2, shape[0] == labels.count else {
            throw FineTuneError.notAFineTunedModel(path: modelFolder.path, reason: "\(EncoderFineTuner.headFileName) has no labels matching its weights")
        }
        let w = try file.floats(EncoderParameters.headWeightName, shape: shape)
        let b = try file.floats(EncoderParameters.headBiasName, shape: [shape[0]])
        let normalises: Bool
        switch file.metadata["pooling"] {
        case nil, pooling(normalised: false): normalises = false
        case pooling(normalised: true): normalises = true
        case let other?:
            throw FineTuneError.notAFineTunedModel(path: modelFolder.path, reason: "\(EncoderFineTuner.headFileName) reads \"\(other)\" embeddings (known: \"\(pooling(normalised: false))\", \"\(pooling(normalised: true))\")")
        }
        return FineTunedHead(labels: labels, hidden: shape[1], weight: Array(w), bias: Array(b), normalisesInput: normalises)
    }

    /// Class probabilities (softmax of the logits) of each row of `pooled`.
    public func probabilities(_ pooled: Matrix) -> Matrix {
        precondition(pooled.cols == hidden, "embeddings of width \(pooled.cols), head expects \(hidden)")
        let c = labels.count
        var z = GEMM.multiplyTransposed(normalisesInput ? Normalization.normalizedRows(pooled) : pooled, Matrix(rows: c, cols: hidden, storage: weight))
        for r in 0..<z.rows { for k in 0..<c { z[r, k] += bias[k] } }
        z.storage.withUnsafeMutableBufferPointer { if let p = $0.baseAddress { Softmax.rows(p, rows: z.rows, cols: c) } }
        return z
    }
}

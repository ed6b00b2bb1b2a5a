// SentenceEncoder reference layer: one transformer layer (BERT or MPNet) in plain loops (no BLAS, no packing), for tests of the fast path.
import Foundation

extension SentenceEncoder {
    /// One post-LN BERT layer applied to a single sentence `x` (`[n x hidden]`, row-major) with
    /// textbook loops, accumulated in Double: erf from libm, softmax and LayerNorm written out.
    package func referenceLayer(_ layerIndex: Int, _ x: [Float], tokens n: Int) -> [Float] {
        let c = weights.config
        let h = c.hiddenSize, inter = c.intermediateSize, heads = c.numAttentionHeads, d = c.headSize
        let l = weights.layers[layerIndex]
        func linear(_ input: [Float], rows: Int, inDim: Int, outDim: Int, w: UnsafeBufferPointer<Float>, b: UnsafeBufferPointer<Float>) -> [Float] {
            var out = [Float](repeating: 0, count: rows * outDim)
            for r in 0..<rows {
                for o in 0..<outDim {
                    var acc = Double(b[o])
                    for i in 0..<inDim { acc += Double(input[r * inDim + i]) * Double(w[o * inDim + i]) }
                    out[r * outDim + o] = Float(acc)
                }
            }
            return out
        }
        func layerNorm(_ v: [Float], gamma: UnsafeBufferPointer<Float>, beta: UnsafeBufferPointer<Float>) -> [Float] {
            var out = v
            for r in 0..<n {
                let row = (0..<h).map { Double(v[r * h + $0]) }
                let mean = row.reduce(0, +) / Double(h)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(h)
                for j in 0..<h {
                    out[r * h + j] = Float((row[j] - mean) / (variance + Double(c.layerNormEps)).squareRoot() * Double(gamma[j]) + Double(beta[j]))
                }
            }
            return out
        }
        // MPNet's bias for key j seen from query i: the table's entry for the bucket of j - i (the
        // buckets themselves are checked against torch's in the encoder fixtures).
        func relativeBias(_ head: Int, _ relative: Int) -> Double {
            guard let table = weights.relativeAttentionBias else { return 0 }
            return Double(table[MPNetPositions.bucket(relative, buckets: c.relativeAttentionBuckets) * heads + head])
        }
        // Q, K and V rows of the stacked matrix, as three separate products would give them.
        let qkv: [Float] = l.qkvWeight.withUnsafeBufferPointer { w in
            l.qkvBias.withUnsafeBufferPointer { b in
                linear(x, rows: n, inDim: h, outDim: 3 * h, w: w, b: b)
            }
        }
        var context = [Float](repeating: 0, count: n * h)
        for hd in 0..<heads {
            for i in 0..<n {
                var scores = [Double](repeating: 0, count: n)
                for j in 0..<n {
                    var dot = 0.0
                    for e in 0..<d { dot += Double(qkv[i * 3 * h + hd * d + e]) * Double(qkv[j * 3 * h + h + hd * d + e]) }
                    scores[j] = dot / Double(d).squareRoot() + relativeBias(hd, j - i)
                }
                let m = scores.max()!
                let exps = scores.map { Foundation.exp($0 - m) }
                let sum = exps.reduce(0, +)
                for e in 0..<d {
                    var acc = 0.0
                    for j in 0..<n { acc += exps[j] / sum * Double(qkv[j * 3 * h + 2 * h + hd * d + e]) }
                    context[i * h + hd * d + e] = Float(acc)
                }
            }
        }
        var attn = linear(context, rows: n, inDim: h, outDim: h, w: l.outputWeight, b: l.outputBias)
        for i in 0..<(n * h) { attn[i] += x[i] }
        let x1 = layerNorm(attn, gamma: l.attentionNormWeight, beta: l.attentionNormBias)
        var up = linear(x1, rows: n, inDim: h, outDim: inter, w: l.intermediateWeight, b: l.intermediateBias)
        for i in 0..<up.count { up[i] = Float(0.5 * Double(up[i]) * (1 + Foundation.erf(Double(up[i]) / 2.0.squareRoot()))) }
        var down = linear(up, rows: n, inDim: inter, outDim: h, w: l.ffnOutputWeight, b: l.ffnOutputBias)
        for i in 0..<(n * h) { down[i] += x1[i] }
        return layerNorm(down, gamma: l.ffnNormWeight, beta: l.ffnNormBias)
    }

    /// The fast path's layer on the same input, packed as a batch of sentences, for comparison.
    package func fastLayer(_ layerIndex: Int, _ sentences: [[Float]], tokens: [Int]) -> [[Float]] {
        let h = weights.config.hiddenSize
        var offsets = [0]
        for n in tokens { offsets.append(offsets.last! + n) }
        var ws = EncoderScratchBuffers(tokens: offsets.last!, config: weights.config, longest: tokens.max() ?? 0,
                                       relativeAttentionBias: weights.relativeAttentionBias)
        defer { ws.deallocate() }
        for (s, x) in sentences.enumerated() {
            for i in 0..<x.count { ws.x[offsets[s] * h + i] = x[i] }
        }
        applyLayer(weights.layers[layerIndex], bfloat16: bfloat16Layer(layerIndex), ws: &ws, offsets: offsets)
        return (0..<sentences.count).map { s in Array(UnsafeBufferPointer(start: ws.x + offsets[s] * h, count: tokens[s] * h)) }
    }
}

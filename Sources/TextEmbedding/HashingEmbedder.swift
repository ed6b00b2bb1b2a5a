// HashingEmbedder: a deterministic lexical embedder (hashed word and character n-grams), no model needed.
public import LinearAlgebra

/// Feature hashing of lower-cased word unigrams, word bigrams and character trigrams into
/// `dimension` signed buckets, then L2 normalisation. Needs no weights; useful offline, in
/// tests, and as `--embedder hashing`.
public struct HashingEmbedder: Embedder {
    public let dimension: Int
    public var identifier: String { "hashing:v1:d=\(dimension)" }

    public init(dimension: Int = 384) {
        precondition(dimension > 0)
        self.dimension = dimension
    }

    /// The same vectors for every role: the hashing embedder has no prompts.
    public func embed(_ texts: [String], as role: EmbeddingRole) throws -> Matrix {
        var out = Matrix(rows: texts.count, cols: dimension)
        out.storage.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            for (r, text) in texts.enumerated() {
                accumulate(text, into: base + r * dimension)
            }
            Normalization.normalizeRows(base, rows: texts.count, cols: dimension)
        }
        return out
    }

    private func accumulate(_ text: String, into row: UnsafeMutablePointer<Float>) {
        let words = Self.words(of: text)
        func add(_ hash: UInt64, weight: Float) {
            let bucket = Int(hash % UInt64(dimension))
            let sign: Float = (hash >> 63) == 0 ? 1 : -1
            row[bucket] += sign * weight
        }
        for (i, w) in words.enumerated() {
            add(Self.fnv1a(w, seed: 1), weight: 1)
            if i + 1 < words.count { add(Self.fnv1a(w + [0x20] + words[i + 1], seed: 2), weight: 0.5) }
            let padded: [UInt8] = [0x5E] + w + [0x24]
            if padded.count >= 3 {
                for j in 0...(padded.count - 3) { add(Self.fnv1a(Array(padded[j..<j + 3]), seed: 3), weight: 0.25) }
            }
        }
    }

    /// Lower-cased runs of letters and digits, as UTF-8 bytes.
    static func words(of text: String) -> [[UInt8]] {
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(contentsOf: String(scalar).utf8)
            } else if !current.isEmpty {
                words.append(current)
                current = []
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func fnv1a(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325 ^ (seed &* 0x9E3779B97F4A7C15)
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100000001b3
        }
        // Final avalanche so the sign bit and the low bits are independent.
        h ^= h >> 33
        h = h &* 0xff51afd7ed558ccd
        h ^= h >> 33
        return h
    }
}

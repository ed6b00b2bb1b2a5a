// EncoderFixtures: the random-weight sentence-transformers folders of the encoder tests, their weights written from a seeded recipe (never committed).
import Foundation
import LinearAlgebra
import TextEmbedding

/// `Tests/TextEmbeddingTests/Fixtures/encoders/<variant>/` holds a folder's JSON and tokenizer
/// files; its `model.safetensors` is not in the repository but made from a recipe that
/// `scripts/fixtures/encoder-folders.py` follows too: every tensor, by its name, filled from a
/// SplitMix64 seeded with the FNV-1a hash of that name, each value `u = next() >> 40` over 2²⁴
/// minus ½, times 0.6 (LayerNorm weights 1 + 0.4·u), computed in Double and rounded to float32.
/// Both sides make the same bits, so sentence-transformers' vectors in `expected.json` apply.
public enum EncoderFixtures {
    public static let source = Repository.root.appendingPathComponent("Tests/TextEmbeddingTests/Fixtures/encoders")
    private static let lock = NSLock()
    nonisolated(unsafe) private static var made: [String: URL] = [:]

    /// `expected.json`: the texts and sentence-transformers' vectors of every variant.
    public static var expected: URL { source.appendingPathComponent("expected.json") }

    /// A copy of `variant`'s folder with its weights written (made once per process; do not modify it).
    public static func folder(_ variant: String) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let url = made[variant] { return url }
        let dir = try SharedFixtures.temporaryFolder("encoder-\(variant)")
        let copy = dir.appendingPathComponent(variant)
        try FileManager.default.copyItem(at: source.appendingPathComponent(variant), to: copy)
        try? FileManager.default.removeItem(at: copy.appendingPathComponent("model.safetensors"))
        try writeWeights(into: copy)
        made[variant] = copy
        return copy
    }

    /// The seeded weights of the encoder `dir`'s config.json describes, as `dir/model.safetensors`.
    public static func writeWeights(into dir: URL) throws {
        let config = try EncoderConfig.read(dir.appendingPathComponent("config.json"))
        let tensors = EncoderParameters(config: config, classes: 1).encoderTensorsForSaving().map { (name: $0.name, shape: $0.shape) }
        let values = tensors.flatMap { seeded($0.name, count: $0.shape.reduce(1, *)) }
        try values.withUnsafeBufferPointer { all in
            var offset = 0
            let entries = tensors.map { t -> SafeTensorsWriter.Entry in
                let count = t.shape.reduce(1, *)
                defer { offset += count }
                return SafeTensorsWriter.Entry(name: t.name, shape: t.shape, floats: UnsafeBufferPointer(rebasing: all[offset..<offset + count]))
            }
            try SafeTensorsWriter.write(entries, to: dir.appendingPathComponent("model.safetensors"))
        }
    }

    /// The recipe's values for the tensor `name`.
    public static func seeded(_ name: String, count: Int) -> [Float] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var rng = SplitMix64(seed: hash)
        let layerNormWeight = name.contains("LayerNorm.weight")
        return (0..<count).map { _ in
            let u = Double(rng.next() >> 40) / Double(1 << 24) - 0.5
            return Float(layerNormWeight ? 1 + 0.4 * u : 0.6 * u)
        }
    }
}

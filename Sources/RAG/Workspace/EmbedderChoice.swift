// EmbedderChoice: which embedder a workspace uses: the index's own kind, the sentence encoder from a folder, the hashing one, or one given.
public import Foundation
public import TextEmbedding
public import VectorSearch

/// How a `Workspace` gets its embedder. The index's manifest names the kind it was built with;
/// `.automatic` follows it (the sentence encoder, all-MiniLM-L6-v2 by default, when there is no index yet).
public enum EmbedderChoice: Sendable {
    /// The kind the index was built with (the sentence encoder when there is none), the encoder from `modelDir` or the
    /// usual places (all-mpnet-base-v2's for an index of MPNet rows), at `precision` (`Precision`).
    case automatic(modelDir: String? = nil, precision: Precision = .following)
    /// The sentence encoder of the folder `modelDir` (any BERT or MPNet folder), else all-MiniLM-L6-v2 from the
    /// usual places (`EncoderLoader.find`), at `precision`.
    case encoder(modelDir: String? = nil, precision: Precision = .following)
    /// The lexical hashing embedder (no model), at the index's dimension or 384.
    case hashing
    /// An embedder already made.
    case instance(any Embedder)

    public static var automatic: EmbedderChoice { .automatic(modelDir: nil) }

    /// The precision a sentence encoder computes at: the index's own (float32 without an index or
    /// for one built before precisions were recorded), or one asked for, which an index of another
    /// precision refuses (`EmbeddingError.precisionMismatch`) unless `mixing` (then the encoder
    /// records the index's precision while computing at the one asked for).
    public enum Precision: Sendable, Equatable {
        case following
        case asked(EncoderPrecision, mixing: Bool = false)
    }

    /// The embedder, and the model folder it was loaded from (sentence encoders only), for `manifest`'s index (or none).
    public func make(for manifest: Manifest?) throws -> (embedder: any Embedder, modelFolder: URL?) {
        try make(forIdentifier: manifest?.embedder, dimension: manifest?.dimension)
    }

    /// The embedder for rows embedded by `identifier` at `dimension` (nil: no rows yet).
    public func make(forIdentifier identifier: String?, dimension: Int? = nil) throws -> (embedder: any Embedder, modelFolder: URL?) {
        switch self {
        case .instance(let e):
            return (e, nil)
        case .hashing:
            return (HashingEmbedder(dimension: dimension ?? 384), nil)
        case .encoder(let dir, let precision):
            return try Self.encoder(dir, precision: precision, index: identifier)
        case .automatic(let dir, let precision):
            let kind = Self.kind(of: identifier)
            if kind == "hashing" {
                if case .asked = precision { throw EmbeddingError.precisionNotApplicable(embedder: identifier ?? "hashing") }
                return try EmbedderChoice.hashing.make(forIdentifier: identifier, dimension: dimension)
            }
            // An index of MPNet rows looks for all-mpnet-base-v2 where the default model would be.
            if kind == "mpnet", dir == nil, let found = EncoderLoader.find(name: ModelPackage.mpnet.name) {
                return try Self.encoder(found.url.path, precision: precision, index: identifier)
            }
            return try Self.encoder(dir, precision: precision, index: identifier)
        }
    }

    /// The embedder kind an identifier starts with (`minilm`, `mpnet`, `hashing`).
    static func kind(of identifier: String?) -> String? { identifier.map { String($0.prefix { $0 != ":" }) } }

    static func encoder(_ dir: String?, precision: Precision, index identifier: String?) throws -> (embedder: any Embedder, modelFolder: URL?) {
        // Only a sentence encoder's identifier records a precision (another kind is refused as another embedder).
        let recorded = identifier.flatMap { kind(of: $0) == "hashing" ? nil : EncoderPrecision(identifier: $0) }
        var wanted = recorded ?? .float32, mixing = false
        if case .asked(let asked, let mix) = precision { (wanted, mixing) = (asked, mix) }
        if let recorded, recorded != wanted, !mixing {
            throw EmbeddingError.precisionMismatch(index: recorded.rawValue, asked: wanted.rawValue)
        }
        let found = EncoderLoader.find(modelDir: dir)
        // Without a folder found, load throws modelNotFound with the places searched.
        var encoder = try (found.map { try EncoderLoader.load(from: $0.url) } ?? EncoderLoader.load(modelDir: dir)).at(wanted)
        if let recorded, recorded != wanted { encoder = encoder.recording(recorded) }
        return (encoder, found?.url)
    }
}

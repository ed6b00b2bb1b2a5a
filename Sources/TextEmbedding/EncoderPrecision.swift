// EncoderPrecision: the precision of the encoder's dense products (float32, or bfloat16 on AVX-512 BF16), as a user names it and as an index's embedder identifier records it.
import LinearAlgebra

/// The arithmetic of the encoder's four dense products per layer. `.bfloat16` rounds their inputs
/// and weights to bfloat16 and sums the products in float32 (`GEMM.multiplyBFloat16`); attention,
/// LayerNorm, GELU and pooling stay float32. Vectors of the two differ slightly, so an index
/// records the precision in its embedder identifier (`identifierSuffix`) and refuses queries of
/// the other unless told to mix them.
public enum EncoderPrecision: String, Sendable, CaseIterable {
    case float32 = "f32"
    case bfloat16 = "bf16"

    /// What an embedder identifier carries for this precision: nothing for float32 (indexes built
    /// before keep their identifiers), `:precision=bf16` otherwise.
    public var identifierSuffix: String { self == .float32 ? "" : ":precision=\(rawValue)" }

    /// The precision an embedder identifier records (float32 when it names none).
    public init(identifier: String) {
        self = Self.allCases.first { $0 != .float32 && identifier.hasSuffix($0.identifierSuffix) } ?? .float32
    }

    /// `identifier` without its precision suffix: the model and folder settings alone.
    public static func stripped(_ identifier: String) -> String {
        let precision = EncoderPrecision(identifier: identifier)
        return String(identifier.dropLast(precision.identifierSuffix.count))
    }

    /// Whether this CPU runs the precision natively: bfloat16 needs AVX-512 BF16 (and
    /// `LOCALRAG_SIMD` not capping it); elsewhere the same products are computed by the float32
    /// kernel on the rounded values (summed in another order: equal up to float32 rounding), no
    /// faster than float32.
    public var isNative: Bool { self == .float32 || HalfPath.current == .avx512BF16 }
}

// HalfFormat: the 16-bit float formats of compressed vectors (IEEE float16, bfloat16) and their conversion from float32.
internal import SIMDKernels

/// A float32 stored in 16 bits, rounded to nearest even: float16 keeps 11 significant bits over
/// ±65,504 (unit vectors' components lose nothing to its range), bfloat16 keeps float32's range
/// and 8 significant bits. Either decodes to float32 exactly.
public enum HalfFormat: Int32, Sendable, CaseIterable {
    case float16 = 0
    case bfloat16 = 1

    /// `count` floats of `source` as codes into `codes`.
    public func encode(_ source: UnsafePointer<Float>, count: Int, into codes: UnsafeMutablePointer<UInt16>) {
        guard count > 0 else { return }
        lr_half_encode(rawValue, source, count, codes)
    }

    /// The float32 `code` stands for.
    public func decode(_ code: UInt16) -> Float { lr_half_decode(rawValue, code) }
}

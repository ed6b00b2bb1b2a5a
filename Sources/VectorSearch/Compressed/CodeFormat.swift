// CodeFormat: what a compressed scan's codes are (8-bit codes of a trained ScalarQuantizer, or 16-bit floats) and how rows become codes.
public import LinearAlgebra

/// The codes a compressed scan reads in place of the float32 rows, row for row:
/// `dimension · bytesPerDimension` bytes a row.
public enum CodeFormat: Sendable, Equatable {
    /// One byte a dimension, the quantizer's ranges trained on the rows (faiss's SQ8).
    case int8(ScalarQuantizer)
    /// Two bytes a dimension, float16 or bfloat16 (nothing trained).
    case half(HalfFormat)

    /// The format `encoding` names, its quantizer trained on `blocks` (int8). Not for `.f32`.
    public static func trained(_ encoding: VectorEncoding, blocks: [(rows: UnsafePointer<Float>, count: Int)], dimension: Int) -> CodeFormat {
        switch encoding {
        case .int8: .int8(ScalarQuantizer.train(blocks: blocks, dimension: dimension))
        case .f16: .half(.float16)
        case .bf16: .half(.bfloat16)
        case .f32: preconditionFailure("float32 rows have no codes")
        }
    }

    public var encoding: VectorEncoding {
        switch self {
        case .int8: .int8
        case .half(.float16): .f16
        case .half(.bfloat16): .bf16
        }
    }

    public var bytesPerDimension: Int { encoding.bytesPerDimension }

    /// The extension of its code files: `u8` (int8) or `u16` (16-bit floats).
    public var fileExtension: String { bytesPerDimension == 1 ? "u8" : "u16" }

    /// The int8 format's quantizer (nil for 16-bit floats).
    public var quantizer: ScalarQuantizer? {
        if case .int8(let q) = self { q } else { nil }
    }

    /// The codes of `count` rows of `dimension` floats into `codes` (`count · dimension · bytesPerDimension` bytes).
    public func encode(rows: UnsafePointer<Float>, count: Int, dimension: Int, into codes: UnsafeMutablePointer<UInt8>) {
        switch self {
        case .int8(let q):
            precondition(q.dimension == dimension, "a quantizer of \(q.dimension) dimensions for rows of \(dimension)")
            q.encode(rows: rows, count: count, into: codes)
        case .half(let h):
            UnsafeMutableRawPointer(codes).withMemoryRebound(to: UInt16.self, capacity: count * dimension) {
                h.encode(rows, count: count * dimension, into: $0)
            }
        }
    }

    /// The codes of `count` rows, row after row.
    public func encode(rows: UnsafePointer<Float>, count: Int, dimension: Int) -> [UInt8] {
        let bytes = count * dimension * bytesPerDimension
        return [UInt8](unsafeUninitializedCapacity: bytes) { buffer, written in
            if let base = buffer.baseAddress { encode(rows: rows, count: count, dimension: dimension, into: base) }
            written = bytes
        }
    }
}

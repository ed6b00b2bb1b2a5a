// VectorEncoding: how an index folder stores its vectors for the scan (float32 only, or 16-bit floats or 8-bit codes beside them).

/// What the scan of an index folder reads. The float32 rows are always kept (exact search, the
/// rescoring, the classifiers); a compressed encoding adds codes the approximate scan reads instead.
public enum VectorEncoding: String, Sendable, CaseIterable, Codable {
    /// The float32 rows alone: 4 bytes a dimension.
    case f32
    /// IEEE float16 codes (faiss's SQfp16) beside the float32 rows: 2 bytes a dimension, each
    /// component rounded to 11 significant bits; `k · rescore` candidates rescored exactly.
    case f16
    /// bfloat16 codes beside the float32 rows: 2 bytes a dimension, 8 significant bits.
    case bf16
    /// 8-bit codes per dimension (`ScalarQuantizer`, faiss's SQ8) beside the float32 rows: the
    /// scan reads 1 byte a dimension, keeps `k · rescore` candidates and rescores them exactly.
    case int8

    /// Bytes the scan reads per dimension.
    public var bytesPerDimension: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .int8: 1
        }
    }
}

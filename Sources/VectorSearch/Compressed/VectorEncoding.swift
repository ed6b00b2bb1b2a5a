// VectorEncoding: how an index folder stores its vectors for the scan (float32 only, or 8-bit codes beside them).

/// What the scan of an index folder reads. The float32 rows are always kept (exact search, the
/// rescoring, the classifiers); a compressed encoding adds codes the approximate scan reads instead.
public enum VectorEncoding: String, Sendable, CaseIterable, Codable {
    /// The float32 rows alone: 4 bytes a dimension.
    case f32
    /// 8-bit codes per dimension (`ScalarQuantizer`, faiss's SQ8) beside the float32 rows: the
    /// scan reads 1 byte a dimension, keeps `k · rescore` candidates and rescores them exactly.
    case int8

    /// Bytes the scan reads per dimension.
    public var bytesPerDimension: Int { self == .f32 ? 4 : 1 }
}

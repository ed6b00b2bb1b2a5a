// HalfQueries: float32 queries prepared once for one 16-bit code format and kernel path (rounded to bfloat16 where the AVX-512 BF16 path scores them).
internal import SIMDKernels

/// Queries as the 16-bit code kernels read them (`VectorKernels.halfDotRows`): on the AVX-512 BF16
/// path, bfloat16 codes are scored against the query rounded to bfloat16, so the rounding is done
/// here once a query rather than once a block of rows; the other paths read the float32 values.
public struct HalfQueries: Sendable {
    public let format: HalfFormat
    public let path: HalfPath
    public let dimension: Int
    public let count: Int
    /// Bytes of one prepared query.
    let stride: Int
    private let bytes: [UInt8]

    /// `count` queries of `dimension` floats, one after the other, prepared for `format` on `path`.
    public init(_ queries: UnsafePointer<Float>, count: Int, dimension: Int, format: HalfFormat, path: HalfPath = .current) {
        self.format = format
        self.path = path
        self.dimension = dimension
        self.count = count
        let stride = dimension * lr_half_query_bytes(path.rawValue, format.rawValue)
        self.stride = stride
        bytes = [UInt8](unsafeUninitializedCapacity: max(1, count * stride)) { buffer, initialized in
            if count * stride == 0 {
                buffer.initialize(repeating: 0)   // no query: one byte, so the buffer has an address
            } else {
                lr_half_prepare_query(path.rawValue, format.rawValue, queries, count * dimension, buffer.baseAddress!)
            }
            initialized = buffer.count
        }
    }

    /// Query `j`'s prepared values.
    @inline(__always)
    func withQuery<R>(_ j: Int, _ body: (UnsafeRawPointer) -> R) -> R {
        precondition((0..<count).contains(j), "query \(j) of \(count)")
        return bytes.withUnsafeBytes { body($0.baseAddress! + j * stride) }
    }

    /// The prepared values of four queries (`members`), as the four-query kernel takes them.
    @inline(__always)
    func withQueries<R>(_ members: (Int, Int, Int, Int), _ body: (UnsafePointer<UnsafeRawPointer?>) -> R) -> R {
        precondition(min(members.0, members.1, members.2, members.3) >= 0 && max(members.0, members.1, members.2, members.3) < count,
                     "queries \(members) of \(count)")
        return bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            var four: (UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?) =
                (base + members.0 * stride, base + members.1 * stride, base + members.2 * stride, base + members.3 * stride)
            return withUnsafePointer(to: &four) { $0.withMemoryRebound(to: UnsafeRawPointer?.self, capacity: 4, body) }
        }
    }
}

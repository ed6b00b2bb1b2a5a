// QuantizedQuery: one query as 8-bit integers for the compressed scan, and how its integer dot products map back to scores.

/// A query prepared by `ScalarQuantizer.prepare(query:)`: an approximate score of a row of codes
/// is `offset + scale · Σ values[d] · code[d]`.
public struct QuantizedQuery: Sendable, Equatable {
    public let values: [Int8]
    public let scale: Float
    public let offset: Float

    /// The approximate score of a row whose integer dot product with `values` is `dot`.
    @inline(__always)
    public func score(_ dot: Int32) -> Float { offset + scale * Float(dot) }
}

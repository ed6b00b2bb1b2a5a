// VectorStorage: a read-only block of row-major Float32 vectors, memory-mapped from disk or owned in memory.
public import Foundation
public import LinearAlgebra

/// Row-major `[count x dimension]` Float32 vectors behind a stable pointer. A mapped file is
/// handed to sgemm without copying; the memory lives as long as this object.
public final class VectorStorage: @unchecked Sendable {
    // Safe to share: the memory is never written after init.
    public let count: Int
    public let dimension: Int
    public let pointer: UnsafePointer<Float>
    private let owner: AnyObject?
    private let owned: UnsafeMutablePointer<Float>?

    /// Copies `values` (`[count x dimension]`, row-major) into owned memory.
    public init(copying values: [Float], count: Int, dimension: Int) {
        precondition(values.count == count * dimension, "storage has \(values.count) floats, shape needs \(count * dimension)")
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { p.initialize(from: b, count: values.count) }
        }
        self.count = count
        self.dimension = dimension
        self.pointer = UnsafePointer(p)
        self.owned = p
        self.owner = nil
    }

    /// Views a mapped file of little-endian Float32 rows (this engine only runs on little-endian hosts).
    public init(mapped file: MappedFile, count: Int, dimension: Int) throws {
        let expected = count * dimension * MemoryLayout<Float>.size
        guard file.size == expected else {
            throw StoreError.sizeMismatch(file: URL(fileURLWithPath: file.path).lastPathComponent, expected: expected, actual: file.size)
        }
        self.count = count
        self.dimension = dimension
        self.pointer = file.bytes.assumingMemoryBound(to: Float.self)
        self.owner = file
        self.owned = nil
    }

    deinit { owned?.deallocate() }

    /// Row `i`: `dimension` floats.
    @inlinable
    public func row(_ i: Int) -> UnsafePointer<Float> { pointer + i * dimension }

    /// All rows as a Matrix copy (for small indexes and tests).
    public func matrix() -> Matrix {
        Matrix(rows: count, cols: dimension, storage: Array(UnsafeBufferPointer(start: pointer, count: count * dimension)))
    }
}

// VectorStorage: a read-only block of row-major rows (Float32 vectors, or 8-bit codes), memory-mapped from disk or owned in memory.
public import Foundation
public import LinearAlgebra

/// Row-major `[count x dimension]` Float32 vectors.
public typealias VectorStorage = RowStorage<Float>

/// Row-major `[count x dimension]` elements behind a stable pointer. A mapped file is handed to
/// sgemm (or the code scan) without copying; the memory lives as long as this object.
public final class RowStorage<Element: BitwiseCopyable>: @unchecked Sendable {
    // Safe to share: the memory is never written after init.
    public let count: Int
    public let dimension: Int
    public let pointer: UnsafePointer<Element>
    private let owner: AnyObject?
    private let owned: UnsafeMutablePointer<Element>?

    /// Copies `values` (`[count x dimension]`, row-major) into owned memory.
    public init(copying values: [Element], count: Int, dimension: Int) {
        precondition(values.count == count * dimension, "storage has \(values.count) values, shape needs \(count * dimension)")
        let p = UnsafeMutablePointer<Element>.allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { p.initialize(from: b, count: values.count) }
        }
        self.count = count
        self.dimension = dimension
        self.pointer = UnsafePointer(p)
        self.owned = p
        self.owner = nil
    }

    /// Views a mapped file of little-endian rows (this engine only runs on little-endian hosts).
    public init(mapped file: MappedFile, count: Int, dimension: Int) throws {
        let expected = count * dimension * MemoryLayout<Element>.size
        guard file.size == expected else {
            throw StoreError.sizeMismatch(file: URL(fileURLWithPath: file.path).lastPathComponent, expected: expected, actual: file.size)
        }
        self.count = count
        self.dimension = dimension
        self.pointer = file.bytes.assumingMemoryBound(to: Element.self)
        self.owner = file
        self.owned = nil
    }

    deinit { owned?.deallocate() }

    /// Row `i`: `dimension` values.
    @inlinable
    public func row(_ i: Int) -> UnsafePointer<Element> { pointer + i * dimension }
}

extension RowStorage where Element == Float {
    /// All rows as a Matrix copy (for small indexes and tests).
    public func matrix() -> Matrix {
        Matrix(rows: count, cols: dimension, storage: Array(UnsafeBufferPointer(start: pointer, count: count * dimension)))
    }
}

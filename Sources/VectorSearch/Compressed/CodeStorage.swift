// CodeStorage: a read-only block of row-major 8-bit codes, memory-mapped from disk or owned in memory.
public import Foundation

/// Row-major `[count x dimension]` bytes behind a stable pointer; the memory lives as long as this object.
public final class CodeStorage: @unchecked Sendable {
    // Safe to share: the memory is never written after init.
    public let count: Int
    public let dimension: Int
    public let pointer: UnsafePointer<UInt8>
    private let owner: AnyObject?
    private let owned: UnsafeMutablePointer<UInt8>?

    /// Copies `codes` (`[count x dimension]`, row-major) into owned memory.
    public init(copying codes: [UInt8], count: Int, dimension: Int) {
        precondition(codes.count == count * dimension, "storage has \(codes.count) codes, shape needs \(count * dimension)")
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, codes.count))
        codes.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { p.initialize(from: b, count: codes.count) }
        }
        self.count = count
        self.dimension = dimension
        pointer = UnsafePointer(p)
        owned = p
        owner = nil
    }

    /// Views a mapped file of `count · dimension` codes.
    public init(mapped file: MappedFile, count: Int, dimension: Int) throws {
        guard file.size == count * dimension else {
            throw StoreError.sizeMismatch(file: URL(fileURLWithPath: file.path).lastPathComponent, expected: count * dimension, actual: file.size)
        }
        self.count = count
        self.dimension = dimension
        pointer = file.bytes.assumingMemoryBound(to: UInt8.self)
        owner = file
        owned = nil
    }

    deinit { owned?.deallocate() }

    /// Row `i`: `dimension` codes.
    @inlinable
    public func row(_ i: Int) -> UnsafePointer<UInt8> { pointer + i * dimension }
}

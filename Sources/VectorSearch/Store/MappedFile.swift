// MappedFile: a whole file memory-mapped read-only, unmapped when the last reference goes.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of one file, mapped read-only. Never written through, so safe to share.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let size: Int
    public let bytes: UnsafeRawPointer
    private let mapped: Bool

    /// Maps `url`; when `expectedSize` is given a different size is an error naming the file.
    public init(_ url: URL, expectedSize: Int? = nil) throws {
        path = url.path
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            if errno == ENOENT { throw StoreError.missingFile(file: url.lastPathComponent) }
            throw StoreError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw StoreError.unreadable(path: url.path, reason: String(cString: strerror(errno))) }
        size = Int(st.st_size)
        if let expectedSize, expectedSize != size {
            throw StoreError.sizeMismatch(file: url.lastPathComponent, expected: expectedSize, actual: size)
        }
        if size == 0 {
            bytes = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16))
            mapped = false
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw StoreError.unreadable(path: url.path, reason: "mmap: " + String(cString: strerror(errno)))
        }
        bytes = UnsafeRawPointer(base)
        mapped = true
    }

    deinit {
        if mapped { munmap(UnsafeMutableRawPointer(mutating: bytes), size) } else { UnsafeMutableRawPointer(mutating: bytes).deallocate() }
    }

    /// Whether the file begins with `magic` (a part file's identifying bytes).
    public func starts(with magic: [UInt8]) -> Bool {
        size >= magic.count && magic.indices.allSatisfy { bytes.load(fromByteOffset: $0, as: UInt8.self) == magic[$0] }
    }

    /// Little-endian integer at byte `offset`.
    @inlinable
    public func load<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

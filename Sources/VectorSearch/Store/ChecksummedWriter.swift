// ChecksummedWriter: a buffered append-only file writer that hashes (SHA-256) what it writes and fsyncs on close.
import Foundation
import Checksum
#if canImport(Glibc)
import Glibc
#endif

/// Writes one new index file. The SHA-256 and size come out of `finish()`, so a file is never
/// read back just to checksum it.
final class ChecksummedWriter {
    let url: URL
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let hasher = SHA256Hasher()
    private(set) var bytesWritten = 0
    private static let flushSize = 1 << 20

    init(_ url: URL) throws {
        self.url = url
        fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.unwritable(path: url.path, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(Self.flushSize)
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        bytesWritten += bytes.count
        if buffer.count >= Self.flushSize { try flush() }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(floats: UnsafeBufferPointer<Float>) throws {
        try write(UnsafeRawBufferPointer(floats))
    }

    func write<T: FixedWidthInteger>(_ value: T) throws {
        var le = value.littleEndian
        try withUnsafeBytes(of: &le) { try write($0) }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        hasher.update(buffer)
        try buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StoreError.unwritable(path: url.path, reason: String(cString: strerror(errno)))
                }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, fsyncs and closes; returns the manifest entry for the file.
    func finish() throws -> Manifest.FileEntry {
        try flush()
        guard fsync(fd) == 0 else { throw StoreError.unwritable(path: url.path, reason: "fsync: " + String(cString: strerror(errno))) }
        let digest = hasher.finalizeHex()
        return Manifest.FileEntry(name: url.lastPathComponent, bytes: bytesWritten, sha256: digest)
    }

    /// SHA-256 of an existing file, streamed.
    static func sha256(of url: URL) throws -> String {
        guard let digest = SHA256Hasher.hex(ofFile: url) else { throw StoreError.missingFile(file: url.lastPathComponent) }
        return digest
    }

    /// fsyncs a directory so the renames inside it are durable.
    static func syncDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }
}

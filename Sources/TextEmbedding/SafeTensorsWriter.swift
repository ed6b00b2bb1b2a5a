// SafeTensorsWriter: writes F32 tensors (and raw ones copied from another file) as a .safetensors file, fsynced.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes the safetensors layout (8-byte little-endian header length, JSON header padded with
/// spaces to 8 bytes, then the tensors' bytes in header order) to `url` and fsyncs it. Callers
/// write to a temporary name and rename, so a crash never leaves a half-written file in place.
public enum SafeTensorsWriter {
    public struct Entry {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var bytes: UnsafeRawBufferPointer
        public init(name: String, dtype: String = "F32", shape: [Int], bytes: UnsafeRawBufferPointer) {
            self.name = name; self.dtype = dtype; self.shape = shape; self.bytes = bytes
        }
        public init(name: String, shape: [Int], floats: UnsafeBufferPointer<Float>) {
            self.init(name: name, shape: shape, bytes: UnsafeRawBufferPointer(floats))
        }
    }

    public static func write(_ entries: [Entry], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for e in entries {
            header[e.name] = ["dtype": e.dtype, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]] as [String: Any]
            offset += e.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EmbeddingError.unwritable(path: url.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        func put(_ buffer: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw EmbeddingError.unwritable(path: url.path, reason: String(cString: strerror(errno))) }
                done += n
            }
        }
        var length = UInt64(json.count).littleEndian
        try withUnsafeBytes(of: &length) { try put($0) }
        try json.withUnsafeBytes { try put($0) }
        for e in entries where e.bytes.count > 0 { try put(e.bytes) }
        guard fsync(fd) == 0 else { throw EmbeddingError.unwritable(path: url.path, reason: "fsync: " + String(cString: strerror(errno))) }
    }
}

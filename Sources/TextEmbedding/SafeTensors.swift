// SafeTensors: reads a .safetensors file (8-byte header length, JSON header, raw data), tensors memory-mapped.
import Foundation
import Checksum
#if canImport(Glibc)
import Glibc
#endif

/// A mapped safetensors file. Tensors are views into the mapping, never copied; only F32
/// tensors can be read as floats (others, such as `position_ids`, are listed and skipped).
public final class SafeTensors: @unchecked Sendable {
    // Safe to share: the mapping is read-only.
    public struct TensorInfo: Sendable, Equatable {
        public var dtype: String
        public var shape: [Int]
        public var byteRange: Range<Int>
    }

    public let path: String
    public let tensors: [String: TensorInfo]
    /// The header's `__metadata__` strings.
    public let metadata: [String: String]
    private let base: UnsafeRawPointer
    private let size: Int
    private let dataStart: Int

    public init(url: URL) throws {
        path = url.path
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EmbeddingError.unreadable(path: url.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        size = Int(st.st_size)
        guard size >= 8 else { throw EmbeddingError.badSafetensors(path: path, reason: "\(size) bytes, too short for a header") }
        guard let m = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), m != MAP_FAILED else {
            throw EmbeddingError.unreadable(path: url.path, reason: "mmap: " + String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(m)
        do {
            (tensors, metadata, dataStart) = try Self.parseHeader(base, size: size, path: path)
        } catch {
            munmap(m, size)
            throw error
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    static let dtypeSizes = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1]

    /// Parses and checks the header: every tensor's byte range must match its dtype and shape and
    /// lie inside the file.
    static func parseHeader(_ base: UnsafeRawPointer, size: Int, path: String) throws -> ([String: TensorInfo], [String: String], Int) {
        let rawLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        // A damaged length can exceed Int.max: compare as UInt64 before converting.
        guard rawLength < 100_000_000 else {
            throw EmbeddingError.badSafetensors(path: path, reason: "header length \(rawLength) does not fit a \(size)-byte file (truncated?)")
        }
        let headerLength = Int(rawLength)
        guard headerLength > 1, headerLength <= size - 8, headerLength < 100_000_000 else {
            throw EmbeddingError.badSafetensors(path: path, reason: "header length \(headerLength) does not fit a \(size)-byte file (truncated?)")
        }
        let headerData = Data(bytes: base + 8, count: headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw EmbeddingError.badSafetensors(path: path, reason: "the header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataSize = size - dataStart
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in json where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2 else {
                throw EmbeddingError.badSafetensors(path: path, reason: "tensor \(name) has no dtype, shape or data_offsets")
            }
            guard let width = dtypeSizes[dtype] else {
                throw EmbeddingError.badSafetensors(path: path, reason: "tensor \(name) has unknown dtype \(dtype)")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataSize else {
                throw EmbeddingError.badSafetensors(path: path, reason: "tensor \(name) lies outside the file (truncated?)")
            }
            // Overflow-checked: a damaged shape must be an error, not a trap.
            var bytes = width, overflow = false
            for dim in shape where !overflow {
                (bytes, overflow) = bytes.multipliedReportingOverflow(by: dim)
            }
            guard !overflow, bytes == offsets[1] - offsets[0] else {
                throw EmbeddingError.badSafetensors(path: path, reason: "tensor \(name): \(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtype)")
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, byteRange: offsets[0]..<offsets[1])
        }
        return (tensors, (json["__metadata__"] as? [String: String]) ?? [:], dataStart)
    }

    /// The F32 tensor `name`, checked against `shape`.
    public func floats(_ name: String, shape: [Int]) throws -> UnsafeBufferPointer<Float> {
        guard let info = tensors[name] else { throw EmbeddingError.missingTensor(name: name) }
        guard info.dtype == "F32" else { throw EmbeddingError.tensorType(name: name, dtype: info.dtype) }
        guard info.shape == shape else { throw EmbeddingError.tensorShape(name: name, expected: shape, actual: info.shape) }
        let start = base + dataStart + info.byteRange.lowerBound
        // safetensors does not promise alignment; float loads need 4-byte alignment.
        guard Int(bitPattern: start) % 4 == 0 else {
            throw EmbeddingError.badSafetensors(path: path, reason: "tensor \(name) is not 4-byte aligned")
        }
        return UnsafeBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: shape.reduce(1, *))
    }

    /// The stored bytes of tensor `name`, whatever its dtype (for copying it unchanged).
    public func rawBytes(_ name: String) -> UnsafeRawBufferPointer? {
        guard let info = tensors[name] else { return nil }
        return UnsafeRawBufferPointer(start: base + dataStart + info.byteRange.lowerBound, count: info.byteRange.count)
    }

    /// Drops the mapped pages this process has read from its resident memory (the file and the
    /// kernel's page cache keep them: a later read faults them back in). What a reader calls once it
    /// has copied what it needs, so the copy is not counted twice.
    public func releaseResidentPages() {
        _ = madvise(UnsafeMutableRawPointer(mutating: base), size, MADV_DONTNEED)
    }

    /// SHA-256 of the whole file, hex.
    public func sha256() -> String {
        SHA256Hasher.hex(of: UnsafeRawBufferPointer(start: base, count: size))
    }
}

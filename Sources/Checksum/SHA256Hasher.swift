// SHA256Hasher: streaming SHA-256 over the system's libcrypto (OpenSSL), for model and index checksums.
internal import CLibCrypto
public import Foundation

/// SHA-256, fed in pieces. OpenSSL's EVP digest uses the CPU's SHA extensions where present
/// (about 2 GB/s here), so hashing the 90 MB model at start-up costs tens of milliseconds.
public final class SHA256Hasher {
    private let context: OpaquePointer

    public init() {
        guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else {
            preconditionFailure("libcrypto could not start a SHA-256 digest")
        }
        context = ctx
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "libcrypto SHA-256 update failed")
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// The digest as 64 lowercase hex digits; the hasher is spent afterwards.
    public func finalizeHex() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &out, &length) == 1 && length == 32, "libcrypto SHA-256 final failed")
        return Self.hex(out)
    }

    /// SHA-256 of `bytes`, hex.
    public static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        let h = SHA256Hasher()
        h.update(bytes)
        return h.finalizeHex()
    }

    /// SHA-256 of the file at `url`, streamed in 4 MiB pieces; nil when it cannot be read.
    public static func hex(ofFile url: URL) -> String? {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        let h = SHA256Hasher()
        do {
            // nil or empty: the end of the file.
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { h.update(chunk) }
        } catch {
            return nil
        }
        return h.finalizeHex()
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: [UInt8]) -> String {
        var s = [UInt8]()
        s.reserveCapacity(bytes.count * 2)
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return String(decoding: s, as: UTF8.self)
    }
}

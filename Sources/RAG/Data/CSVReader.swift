// CSVReader: a streaming RFC 4180 parser over bytes (quotes, doubled quotes, newlines in quotes, LF/CRLF, BOM).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads records one at a time from a file in 1 MiB chunks, so memory holds one chunk and one
/// record, whatever the file size. Strict where RFC 4180 is: a quote inside an unquoted field,
/// text after a closing quote and an unterminated quote are errors naming the line. Blank lines
/// are skipped, as Python's csv module does.
public final class CSVReader {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEOF = false
    /// 1-based line number of the next byte to parse.
    private var line = 1
    private static let chunk = 1 << 20

    public init(url: URL) throws {
        path = url.path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw CSVError.unreadable(file: path, reason: "it is a folder, not a file")
        }
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CSVError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        try fill()
        // A UTF-8 byte order mark is not part of the first column's name.
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
    }

    deinit { close(fd) }

    /// Reads more bytes, keeping the unparsed tail. Returns false at end of file.
    @discardableResult
    private func fill() throws -> Bool {
        guard !atEOF else { return false }
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        let old = buffer.count
        buffer.reserveCapacity(old + Self.chunk)
        buffer.append(contentsOf: repeatElement(0, count: Self.chunk))
        var got = 0
        while true {
            got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, Self.chunk) }
            if got < 0 && errno == EINTR { continue }
            break
        }
        guard got >= 0 else { throw CSVError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        buffer.removeLast(Self.chunk - got)
        if got == 0 { atEOF = true }
        return got > 0
    }

    /// The next record and the line it starts on; nil at end of file.
    public func next() throws -> (fields: [String], line: Int)? {
        while true {
            let start = position, startLine = line
            if let fields = try parseRecord() { return (fields, startLine) }
            // Not enough bytes for a whole record: rewind, read more and parse again.
            position = start
            line = startLine
            if try !fill() {
                if position >= buffer.count { return nil }
                guard let fields = try parseRecord(final: true) else { return nil }
                return (fields, startLine)
            }
        }
    }

    /// Parses one record from `position`. Returns nil when the buffer ends first (unless `final`).
    /// A blank line yields an empty array, which `next()` callers skip through `nextNonBlank`.
    private func parseRecord(final: Bool = false) throws -> [String]? {
        let n = buffer.count
        var fields: [String] = []
        var fieldBytes: [UInt8] = []
        let recordLine = line
        var i = position
        return try buffer.withUnsafeBufferPointer { b -> [String]? in
            func finishField() throws {
                guard let s = String(validating: fieldBytes, as: UTF8.self) else {
                    throw CSVError.invalidUTF8(file: path, line: recordLine)
                }
                fields.append(s)
                fieldBytes.removeAll(keepingCapacity: true)
            }
            fieldLoop: while true {
                // Start of a field.
                if i < n && b[i] == UInt8(ascii: "\"") {
                    i += 1
                    while true {
                        guard i < n else {
                            if final { throw CSVError.malformedRow(file: path, line: recordLine, reason: "a quoted field is never closed (unterminated quote)") }
                            return nil
                        }
                        let c = b[i]
                        if c == UInt8(ascii: "\"") {
                            if i + 1 < n && b[i + 1] == UInt8(ascii: "\"") {
                                fieldBytes.append(c)
                                i += 2
                                continue
                            }
                            if i + 1 >= n && !final { return nil }
                            i += 1
                            break
                        }
                        if c == 0x0A { line += 1 }
                        fieldBytes.append(c)
                        i += 1
                    }
                    // After the closing quote: a separator, a line end or the end of the file.
                    if i >= n {
                        if !final { return nil }
                        try finishField()
                        position = i
                        return fields
                    }
                    let c = b[i]
                    if c == UInt8(ascii: ",") { try finishField(); i += 1; continue fieldLoop }
                    if c == 0x0A || c == 0x0D {
                        if c == 0x0D {
                            if i + 1 >= n && !final { return nil }
                            if i + 1 < n && b[i + 1] == 0x0A { i += 1 }
                        }
                        i += 1
                        line += 1
                        try finishField()
                        position = i
                        return fields
                    }
                    throw CSVError.malformedRow(file: path, line: line, reason: "unexpected character after a closing quote (a quote inside a field must be doubled)")
                }
                // Unquoted field.
                while i < n {
                    let c = b[i]
                    if c == UInt8(ascii: ",") { try finishField(); i += 1; continue fieldLoop }
                    if c == 0x0A || c == 0x0D {
                        if c == 0x0D {
                            if i + 1 >= n && !final { return nil }
                            if i + 1 < n && b[i + 1] == 0x0A { i += 1 }
                        }
                        i += 1
                        line += 1
                        if fields.isEmpty && fieldBytes.isEmpty { position = i; return [] }
                        try finishField()
                        position = i
                        return fields
                    }
                    if c == UInt8(ascii: "\"") {
                        throw CSVError.malformedRow(file: path, line: line, reason: "a quote inside an unquoted field (quote the whole field and double the quote)")
                    }
                    fieldBytes.append(c)
                    i += 1
                }
                if !final { return nil }
                if fields.isEmpty && fieldBytes.isEmpty { position = i; return [] }
                try finishField()
                position = i
                return fields
            }
        }
    }

    /// The next non-blank record.
    public func nextNonBlank() throws -> (fields: [String], line: Int)? {
        while let r = try next() {
            if !r.fields.isEmpty { return r }
        }
        return nil
    }
}

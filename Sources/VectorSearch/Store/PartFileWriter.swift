// PartFileWriter: the narrow write interface an index part (IVF lists, trained head) gets for its own file.
public import Foundation

/// Appends little-endian values to one checksummed part file.
public struct PartFileWriter {
    let writer: ChecksummedWriter

    public func write(_ bytes: [UInt8]) throws { try writer.write(bytes) }
    public func write(_ data: Data) throws { try writer.write(Array(data)) }
    public func write(floats: UnsafeBufferPointer<Float>) throws { try writer.write(floats: floats) }
    public func write(floats: [Float]) throws { try floats.withUnsafeBufferPointer { try writer.write(floats: $0) } }
    public func write<T: FixedWidthInteger>(_ value: T) throws { try writer.write(value) }
    public var bytesWritten: Int { writer.bytesWritten }
}

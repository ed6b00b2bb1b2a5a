// LinearHead persistence: the head as a store's "head" part (an index folder's, checksummed like every index file).
import Foundation
import VectorSearch

extension LinearHead {
    static let magic = Array("LRHEAD01".utf8)
    public static let role = "head"

    /// Writes the head into `writer`'s next generation: magic, dimension (u32), classes (u32),
    /// labels JSON length (u32) and bytes, then the Float32 weights.
    public func write(to writer: IndexWriter, settings: [String: String]) throws {
        try writer.writePartFile(role: Self.role, ext: "bin") { f in
            try f.write(Self.magic)
            try f.write(UInt32(dimension))
            try f.write(UInt32(labels.count))
            let json = try JSONEncoder().encode(labels)
            try f.write(UInt32(json.count))
            try f.write(json)
            try f.write(floats: weights)
        }
        writer.setKind(Self.role, present: true, settings: settings)
    }

    /// Set (to why) when rows were deleted or replaced after the stored head was trained;
    /// training a head clears it (`setKind` drops the part's settings).
    public static let staleSetting = "head.stale"

    /// The head stored in `store`, or nil when it has none (a store that keeps no parts has none).
    public static func load(from store: any WritableVectorStore) throws -> LinearHead? {
        guard let (file, name) = try store.part(role) else { return nil }
        func corrupt(_ why: String) -> StoreError { .corrupt(file: name, reason: why) }
        guard file.size >= 20, file.starts(with: magic) else {
            throw corrupt("not a head file")
        }
        let dimension = Int(file.load(UInt32.self, at: 8))
        let classes = Int(file.load(UInt32.self, at: 12))
        let jsonLength = Int(file.load(UInt32.self, at: 16))
        let weightsStart = 20 + jsonLength
        guard weightsStart <= file.size, file.size - weightsStart == (dimension + 1) * classes * 4 else {
            throw corrupt("size does not match \(classes) classes of dimension \(dimension)")
        }
        guard let labels = try? JSONDecoder().decode([String].self, from: Data(bytes: file.bytes + 20, count: jsonLength)),
              labels.count == classes else {
            throw corrupt("label list unreadable")
        }
        guard dimension == store.dimension else { throw ClassificationError.headMismatch(head: dimension, index: store.dimension) }
        let weights = Array(UnsafeBufferPointer(start: (file.bytes + weightsStart).assumingMemoryBound(to: Float.self), count: (dimension + 1) * classes))
        return LinearHead(labels: labels, dimension: dimension, weights: weights)
    }
}

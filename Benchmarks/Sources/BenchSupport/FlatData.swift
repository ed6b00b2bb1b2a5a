// FlatData: the shared anchors' synthetic retrieval set (base, queries, ground truth) read from raw files.
import Foundation
public import LinearAlgebra
public import VectorSearch

/// Files written by `shared/anchors/retrieval/anchors.py run --sections data` (see its RESULTS.md,
/// "Data files"): little-endian, row-major, no header.
public struct FlatData: Sendable {
    public static let dimension = 384
    public static let queryCount = 1000
    public static let truthK = 10
    /// Environment variable naming the data folder; default /tmp/anchors-data.
    public static let environmentVariable = "LOCALRAG_BENCH_DATA"

    public let n: Int
    public let label: String
    public let folder: URL
    /// `[n x 384]` base vectors (mapped or copied).
    public let storage: VectorStorage
    /// `[1000 x 384]` queries.
    public let queries: Matrix
    /// `[1000 x 10]` exact top-10 row ids, best first.
    public let truth: [Int32]

    public static var defaultFolder: URL {
        let env = ProcessInfo.processInfo.environment[environmentVariable] ?? ""
        return URL(fileURLWithPath: env.isEmpty ? "/tmp/anchors-data" : env)
    }

    /// "100k" -> 100_000, "1m" -> 1_000_000, "20000" -> 20_000.
    public static func parseSize(_ s: String) -> Int? {
        let t = s.lowercased()
        if t.hasSuffix("m"), let v = Int(t.dropLast()) { return v * 1_000_000 }
        if t.hasSuffix("k"), let v = Int(t.dropLast()) { return v * 1000 }
        return Int(t)
    }

    /// The anchors' `size_label`.
    public static func label(_ n: Int) -> String {
        if n % 1_000_000 == 0 { return "\(n / 1_000_000)m" }
        if n % 1000 == 0 { return "\(n / 1000)k" }
        return "\(n)"
    }

    public static func baseURL(n: Int, folder: URL = defaultFolder) -> URL {
        folder.appendingPathComponent("base_\(label(n)).f32")
    }

    public static func exists(n: Int, folder: URL = defaultFolder) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: baseURL(n: n, folder: folder).path)
            && fm.fileExists(atPath: folder.appendingPathComponent("queries.f32").path)
            && fm.fileExists(atPath: folder.appendingPathComponent("gt_\(label(n)).i32").path)
    }

    /// Loads set `n`. `mapped`: the base file is memory-mapped as the engine's on-disk index is
    /// (pages come in on first touch, so warm up before timing); otherwise it is read into owned memory.
    public init(n: Int, folder: URL = FlatData.defaultFolder, mapped: Bool = true) throws {
        self.n = n
        self.label = Self.label(n)
        self.folder = folder
        let d = Self.dimension
        let baseURL = Self.baseURL(n: n, folder: folder)
        if mapped {
            let file = try MappedFile(baseURL, expectedSize: n * d * 4)
            storage = try VectorStorage(mapped: file, count: n, dimension: d)
        } else {
            let floats = try Self.readFloats(baseURL, count: n * d)
            storage = VectorStorage(copying: floats, count: n, dimension: d)
        }
        let q = try Self.readFloats(folder.appendingPathComponent("queries.f32"), count: Self.queryCount * d)
        queries = Matrix(rows: Self.queryCount, cols: d, storage: q)
        truth = try Self.readInt32(folder.appendingPathComponent("gt_\(label).i32"), count: Self.queryCount * Self.truthK)
    }

    static func readFloats(_ url: URL, count: Int) throws -> [Float] {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        guard data.count == count * 4 else { throw BenchError.badFile(url.path, "\(data.count) bytes, expected \(count * 4)") }
        return data.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    static func readInt32(_ url: URL, count: Int) throws -> [Int32] {
        let data = try Data(contentsOf: url)
        guard data.count == count * 4 else { throw BenchError.badFile(url.path, "\(data.count) bytes, expected \(count * 4)") }
        return data.withUnsafeBytes { raw in
            (0..<count).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
        }
    }

    /// Query `i` as a 1-row matrix (the shape of a single-query search).
    public func query(_ i: Int) -> Matrix { queries.rows(i..<(i + 1)) }

    /// recall@10 of a `[nq x k]` result of the first `nq` queries against the ground truth.
    public func recall(_ r: SearchResult) -> Double {
        recallAtK(found: r.ids, foundK: r.k, truth: truth, truthK: Self.truthK, queries: r.queryCount)
    }
}

public enum BenchError: Error, CustomStringConvertible {
    case badFile(String, String)
    case usage(String)
    case missing(String)

    public var description: String {
        switch self {
        case .badFile(let p, let why): return "\(p): \(why)"
        case .usage(let s): return s
        case .missing(let s): return s
        }
    }
}

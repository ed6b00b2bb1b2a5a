// RAGBinary: runs the built `rag` binary as a user would (environment, working folder), or starts it to be killed mid-run.
import Foundation

enum RAGBinary {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `rag` executable beside the test bundle (built because this test target depends on it).
    static var executable: URL {
        let products = Bundle.main.bundleURL
        let candidates = [products.appendingPathComponent("rag"), products.deletingLastPathComponent().appendingPathComponent("rag")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// The environment without any real key, plus `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "OPENAI_API_KEY")
        env.removeValue(forKey: "OPENAI_BASE_URL")
        env.merge(extra) { _, b in b }
        return env
    }

    /// Starts `rag` with stdout and stderr going to files in `folder` (so it never blocks on a pipe).
    static func start(_ arguments: [String], in folder: URL, env: [String: String] = [:], tag: String = "run") throws -> Process {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = folder
        p.environment = environment(env)
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("\(tag).stdout").path, contents: nil)
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("\(tag).stderr").path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: folder.appendingPathComponent("\(tag).stdout"))
        p.standardError = try FileHandle(forWritingTo: folder.appendingPathComponent("\(tag).stderr"))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits without blocking the cooperative pool.
    static func wait(_ p: Process) async {
        while p.isRunning { try? await Task.sleep(nanoseconds: 20_000_000) }
    }

    static func run(_ arguments: [String], in folder: URL, env: [String: String] = [:], tag: String = "run") async throws -> Output {
        let p = try start(arguments, in: folder, env: env, tag: tag)
        await wait(p)
        let out = (try? String(contentsOf: folder.appendingPathComponent("\(tag).stdout"), encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: folder.appendingPathComponent("\(tag).stderr"), encoding: .utf8)) ?? ""
        return Output(status: p.terminationStatus, stdout: out, stderr: err)
    }
}

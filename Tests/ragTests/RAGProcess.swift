// RAGProcess: runs the built `rag` binary in a folder and captures its status, stdout and stderr.
import Foundation

enum RAG {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `rag` executable beside the test bundle (SwiftPM builds it because the test target depends on it).
    static var executable: URL {
        let products = Bundle.main.bundleURL
        let candidates = [products.appendingPathComponent("rag"), products.deletingLastPathComponent().appendingPathComponent("rag")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs `rag arguments` in `folder`; `environment` replaces or removes (nil) variables of this process's.
    static func run(_ arguments: [String], in folder: URL? = nil, environment: [String: String?] = [:]) throws -> Output {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let folder { p.currentDirectoryURL = folder }
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            p.environment = env
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes before waiting so a large output cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

// MilvusLite: a real Milvus Lite server for a test (fresh data folder, free loopback port), stopped and restarted at will; without one a test skips saying why (fails under CI=true).
import Foundation
import XCTest
import TestSupport

/// One `milvus-lite server` process (PyPI milvus-lite, installed by scripts/lib/install-milvus-lite.sh
/// into .venv-milvus, or named by $LOCALRAG_MILVUS_LITE).
final class MilvusLite {
    static let root = Repository.root

    static var executable: URL? {
        let candidates = [ProcessInfo.processInfo.environment["LOCALRAG_MILVUS_LITE"].map { URL(fileURLWithPath: $0) },
                          root.appendingPathComponent(".venv-milvus/bin/milvus-lite")].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    let dataFolder: URL
    let port: Int
    private(set) var process: Process?
    private let log: URL

    /// Starts a server on a fresh data folder; skips the test when Milvus Lite is not installed.
    init(_ test: XCTestCase) throws {
        guard Self.executable != nil else {
            throw Requirement.unmet("Milvus Lite is not installed: scripts/lib/install-milvus-lite.sh installs it into .venv-milvus (or set LOCALRAG_MILVUS_LITE)")
        }
        dataFolder = FileManager.default.temporaryDirectory.appendingPathComponent("milvus-lite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataFolder, withIntermediateDirectories: true)
        log = dataFolder.appendingPathExtension("log")
        port = try Self.freePort()
        try start()
        test.addTeardownBlock { [self] in
            stop()
            try? FileManager.default.removeItem(at: dataFolder)
            try? FileManager.default.removeItem(at: log)
        }
    }

    /// `milvus://127.0.0.1:PORT/collection`.
    func address(_ collection: String) -> String { "milvus://127.0.0.1:\(port)/\(collection)" }

    /// Starts the server (again) on the same folder and port and waits until it accepts connections.
    func start() throws {
        let p = Process()
        p.executableURL = Self.executable!
        p.arguments = ["server", "--data-dir", dataFolder.path, "--host", "127.0.0.1", "--port", "\(port)"]
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if !p.isRunning {
                throw NSError(domain: "MilvusLite", code: 1, userInfo: [NSLocalizedDescriptionKey: "milvus-lite exited: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")"])
            }
            if Self.accepts(port: port) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw NSError(domain: "MilvusLite", code: 2, userInfo: [NSLocalizedDescriptionKey: "milvus-lite did not listen on \(port) within 60 s"])
    }

    /// Stops the server: SIGTERM (its clean stop), or SIGKILL with `kill`.
    func stop(kill: Bool = false) {
        guard let p = process, p.isRunning else { return }
        Foundation.kill(p.processIdentifier, kill ? SIGKILL : SIGTERM)
        p.waitUntilExit()
        process = nil
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }

    /// A loopback port nothing listens on (the kernel's pick for a bound, then closed, socket).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { a in
            a.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw NSError(domain: "MilvusLite", code: 3, userInfo: [NSLocalizedDescriptionKey: "no free port"]) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

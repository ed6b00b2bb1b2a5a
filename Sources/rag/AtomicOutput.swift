// AtomicOutput: writes an output file under a temporary name and renames it into place when complete.
import ArgumentParser
import Foundation

/// Lines go to `.<name>.tmp` beside the target; `commit()` renames it over the target, so an
/// interrupted run never leaves a half-written file under the real name. Without a path, lines go
/// to stdout.
final class AtomicOutput {
    private let target: URL?
    private let temp: URL?
    private let handle: FileHandle
    var rawHandle: FileHandle { handle }

    init(path: String?) throws {
        guard let path, path != "-" else {
            target = nil
            temp = nil
            handle = FileHandle.standardOutput
            return
        }
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil),
              let h = FileHandle(forWritingAtPath: tmp.path) else {
            throw ValidationError("cannot write \(path)")
        }
        target = url
        temp = tmp
        handle = h
    }

    func write(_ line: String) {
        handle.write(Data((line + "\n").utf8))
    }

    func write(data: Data) {
        handle.write(data)
        handle.write(Data("\n".utf8))
    }

    func commit() throws {
        guard let target, let temp else { return }
        try handle.synchronize()
        try handle.close()
        // rename(2) replaces the target atomically: readers see the old file or the new one.
        guard rename(temp.path, target.path) == 0 else {
            throw ValidationError("cannot write \(target.relativePath): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if let temp, FileManager.default.fileExists(atPath: temp.path) { try? FileManager.default.removeItem(at: temp) }
    }
}

extension AtomicOutput {
    /// Bytes as they are (binary formats).
    func writeRaw(_ data: Data) {
        rawHandle.write(data)
    }

    /// `data` as the whole of the file at `path`, renamed into place once written.
    static func write(_ data: Data, to path: String) throws {
        let out = try AtomicOutput(path: path)
        out.writeRaw(data)
        try out.commit()
    }
}

// TemporaryFolders: the private index folders of in-memory workspaces, removed with their workspace or at exit.
import Foundation
import Synchronization

/// A workspace built with no folder keeps its index in a temporary folder. It is removed when the
/// workspace goes away; one still held when the process exits (a global in `main.swift`, say) is
/// removed by an `atexit` handler.
final class TemporaryFolders: Sendable {
    static let shared = TemporaryFolders()
    private let live = Mutex<Set<String>>([])

    private init() {
        atexit { TemporaryFolders.shared.removeAll() }
    }

    /// A new folder path under the system's temporary folder (not created: the index writer makes it).
    func make() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-\(UUID().uuidString)")
        live.withLock { _ = $0.insert(url.path) }
        return url
    }

    func forget(_ url: URL) {
        live.withLock { _ = $0.remove(url.path) }
    }

    func removeAll() {
        for path in live.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
    }
}

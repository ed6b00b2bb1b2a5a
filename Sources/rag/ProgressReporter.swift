// ProgressReporter: "rows done / total, rows/s, ETA" on stderr, only when stderr is a terminal.
import Foundation

final class ProgressReporter {
    private let label: String
    private let total: Int?
    private let start = Date()
    private var last = Date.distantPast
    private let enabled: Bool

    init(_ label: String, total: Int?, enabled: Bool = Terminal.stderrIsTerminal) {
        self.label = label
        self.total = total
        self.enabled = enabled
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(last) > 0.2 || done == total else { return }
        last = now
        let elapsed = max(now.timeIntervalSince(start), 1e-6)
        let rate = Double(done) / elapsed
        var line = "\r\(label): \(done)"
        if let total {
            line += "/\(total)"
            if rate > 0 && done < total { line += String(format: "  %.0f rows/s  ETA %.0fs", rate, Double(total - done) / rate) }
        } else {
            line += String(format: " rows  %.0f rows/s", rate)
        }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

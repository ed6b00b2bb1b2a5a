// Terminal: what the CLI needs to know about stdout/stderr (is it a terminal, how wide).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum Terminal {
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Columns of the terminal on stdout, else $COLUMNS, else 120.
    static var width: Int {
        var ws = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(c), n > 0 { return n }
        return 120
    }

    static func printError(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// `s` on one line, cut to `width` characters with an ellipsis.
    static func clip(_ s: String, _ width: Int) -> String {
        let flat = s.map { $0.isNewline || $0 == "\t" ? " " : $0 }
        if flat.count <= width { return String(flat) }
        return String(flat.prefix(max(0, width - 1))) + "…"
    }
}

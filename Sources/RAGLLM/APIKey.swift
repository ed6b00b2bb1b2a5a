// APIKey: the bearer token, read from $OPENAI_API_KEY or ./.env; it never prints itself and scrubs itself from text.
import Foundation

/// The key is only ever turned into an Authorization header. `description`, `debugDescription`
/// and reflection show a placeholder, so `print(key)`, string interpolation and `dump` cannot leak it.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// nil for an empty or all-blank value.
    public init?(_ value: String) {
        let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !v.isEmpty else { return nil }
        self.value = v
    }

    public var description: String { "<redacted API key>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    var authorizationHeader: String { "Bearer \(value)" }

    /// `text` with every occurrence of the key replaced: for anything a server sends back
    /// (error messages, answers) before it reaches a log, an error or an output file.
    public func redact(_ text: String) -> String {
        text.contains(value) ? text.replacingOccurrences(of: value, with: "<redacted>") : text
    }

    /// $OPENAI_API_KEY when set and not empty, else the `OPENAI_API_KEY=` line of `dotEnv`
    /// (`export ` prefixes, quotes and `#` comments understood, as python-dotenv reads them).
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            dotEnv: URL? = URL(fileURLWithPath: ".env")) -> APIKey? {
        if let v = environment["OPENAI_API_KEY"], let key = APIKey(v) { return key }
        guard let dotEnv, let text = try? String(contentsOf: dotEnv, encoding: .utf8) else { return nil }
        return dotEnvValue(text, name: "OPENAI_API_KEY").flatMap(APIKey.init)
    }

    package static func dotEnvValue(_ text: String, name: String) -> String? {
        var found: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "="),
                  line[..<eq].trimmingCharacters(in: .whitespaces) == name else { continue }
            var v = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if let q = v.first, q == "\"" || q == "'" {
                v.removeFirst()
                if let end = v.firstIndex(of: q) { v = String(v[..<end]) }
            } else if let hash = v.range(of: " #") {
                v = v[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            found = v   // the last assignment wins, as in a shell
        }
        return found
    }
}

// PromptTemplate: a text with {{categories}}, {{documents}} and {{text}} placeholders, checked when loaded.
import Foundation

/// A template is split once into literal pieces and placeholders, so rendering is a join and an
/// unknown placeholder is found at load time (with its line), not when the first row is sent.
public struct PromptTemplate: Sendable, Equatable {
    public enum Placeholder: String, Sendable, CaseIterable {
        case categories, documents, text
    }

    enum Piece: Sendable, Equatable {
        case literal(String)
        case placeholder(Placeholder)
    }

    let pieces: [Piece]

    /// Parses `source`; `origin` names it in errors (a file path).
    public init(_ source: String, origin: String = "template") throws {
        var pieces: [Piece] = []
        var rest = Substring(source)
        var line = 1
        while let open = rest.range(of: "{{") {
            let before = rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            line += before.filter { $0 == "\n" }.count
            guard let p = Placeholder(rawValue: name) else {
                throw PromptError.unknownPlaceholder(file: origin, line: line, name: name)
            }
            if !before.isEmpty { pieces.append(.literal(String(before))) }
            pieces.append(.placeholder(p))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.literal(String(rest))) }
        self.pieces = pieces
    }

    public static func load(_ url: URL) throws -> PromptTemplate {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw PromptError.unreadable(file: url.relativePath, reason: error.localizedDescription)
        }
        return try PromptTemplate(text, origin: url.relativePath)
    }

    /// Placeholders used, in order of first use.
    public var placeholders: [Placeholder] {
        var seen: [Placeholder] = []
        for case .placeholder(let p) in pieces where !seen.contains(p) { seen.append(p) }
        return seen
    }

    public func render(_ values: [Placeholder: String]) -> String {
        pieces.map { piece in
            switch piece {
            case .literal(let s): return s
            case .placeholder(let p): return values[p] ?? ""
            }
        }.joined()
    }
}

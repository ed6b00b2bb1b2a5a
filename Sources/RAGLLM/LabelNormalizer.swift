// LabelNormalizer: maps a model's answer to one of the categories (JSON, case, quotes, punctuation, `label:` prefixes) or keeps it as given.
import Foundation

/// Answers arrive as `{"label": "card_arrival"}`, `"Card_Arrival".`, `Label: card arrival`,
/// `` `card_arrival` `` or a sentence. The label is found by comparing folded forms (lowercase,
/// letters and digits only, so `card arrival`, `Card-Arrival` and `card_arrival` meet); an answer
/// that folds to no category is returned cleaned but unmatched, to be counted invalid.
public struct LabelNormalizer: Sendable {
    public let categories: [String]
    private let exact: Set<String>
    private let byFold: [String: String]

    public init(categories: [String]) {
        self.categories = categories
        self.exact = Set(categories)
        var byFold: [String: String] = [:]
        for c in categories where byFold[Self.fold(c)] == nil { byFold[Self.fold(c)] = c }
        self.byFold = byFold
    }

    /// The category `answer` names, or the cleaned answer and `valid == false`.
    public func normalize(_ answer: String) -> (label: String, valid: Bool) {
        var text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if let json = Self.jsonLabel(text) { text = json.trimmingCharacters(in: .whitespacesAndNewlines) }
        if exact.contains(text) { return (text, true) }
        // Only the first line: small models explain themselves after the label.
        if let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) {
            text = firstLine
        }
        text = Self.strip(text)
        if exact.contains(text) { return (text, true) }
        if let hit = byFold[Self.fold(text)] { return (hit, true) }
        return (text, false)
    }

    /// `{"label": "x"}` (or `category`/`class`/`intent`) inside the answer, when it is JSON.
    static func jsonLabel(_ text: String) -> String? {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close,
              let object = try? JSONSerialization.jsonObject(with: Data(text[open...close].utf8)) as? [String: Any] else {
            return nil
        }
        for key in ["label", "category", "class", "intent"] {
            if let s = object[key] as? String { return s }
        }
        return nil
    }

    /// Drops quotes, backticks, markdown emphasis, a `label:`-style prefix and trailing punctuation.
    static func strip(_ s: String) -> String {
        var t = s.trimmingCharacters(in: .whitespaces)
        let prefixes = ["label:", "category:", "class:", "intent:", "answer:", "the category is", "the label is"]
        var changed = true
        while changed {
            changed = false
            let edges = CharacterSet(charactersIn: "\"'`*“”‘’«»[]()<> \t")
            let trimmed = t.trimmingCharacters(in: edges).trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?"))
            if trimmed != t { t = trimmed; changed = true }
            for p in prefixes where t.lowercased().hasPrefix(p) {
                t = String(t.dropFirst(p.count)).trimmingCharacters(in: .whitespaces)
                changed = true
            }
            if t.hasPrefix("- ") { t = String(t.dropFirst(2)); changed = true }
        }
        return t
    }

    /// Lowercase letters and digits only.
    static func fold(_ s: String) -> String {
        String(String.UnicodeScalarView(s.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }))
    }
}

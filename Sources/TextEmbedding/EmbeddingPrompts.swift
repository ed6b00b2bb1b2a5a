// EmbeddingPrompts: the texts a model folder prepends by role (config_sentence_transformers.json's prompts and default_prompt_name).
import Foundation
import Checksum

/// The prompt prepended to each text by role, chosen as sentence-transformers 6 chooses them:
/// `encode_query` takes the `query` prompt, `encode_document` the first of `document`, `passage`,
/// `corpus` (here the first that is not empty: sentence-transformers 6 adds an empty `document`
/// to every folder it saves, which would hide an e5-style `passage`), and `encode` the
/// `default_prompt_name`'s.
public struct EmbeddingPrompts: Sendable, Hashable {
    public var query: String
    public var document: String
    public var plain: String

    public init(query: String = "", document: String = "", plain: String = "") {
        self.query = query
        self.document = document
        self.plain = plain
    }

    public static let none = EmbeddingPrompts()

    /// From the `prompts` object and the `default_prompt_name` of a folder.
    init(prompts: [String: String], defaultName: String?) {
        query = prompts["query"] ?? ""
        document = ["document", "passage", "corpus"].lazy.compactMap { prompts[$0] }.first { !$0.isEmpty } ?? ""
        plain = defaultName.flatMap { prompts[$0] } ?? ""
    }

    public func prompt(for role: EmbeddingRole) -> String {
        switch role {
        case .query: return query
        case .document: return document
        case .plain: return plain
        }
    }

    /// `texts` with the role's prompt in front (the same array when the prompt is empty).
    public func apply(_ role: EmbeddingRole, to texts: [String]) -> [String] {
        let prompt = prompt(for: role)
        return prompt.isEmpty ? texts : texts.map { prompt + $0 }
    }

    /// For a model identifier: "" without prompts, else a short hash of all three.
    public var identifierSuffix: String {
        guard self != .none else { return "" }
        let digest = Data([query, document, plain].joined(separator: "\u{0}").utf8).withUnsafeBytes { SHA256Hasher.hex(of: $0) }
        return ":prompts=\(digest.prefix(12))"
    }
}

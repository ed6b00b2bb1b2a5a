// EmbeddingRole: what a text is embedded as (a query, a stored document, or plainly), which picks the model's prompt.

/// What a text is embedded as. A model folder may give a prompt for each (e5's `query: ` and
/// `passage: `, bge's query instruction); a model without prompts embeds all three alike.
public enum EmbeddingRole: Sendable, Hashable {
    /// A text looked up or classified: `rag query`, `rag classify`, `/v1/search`, `/v1/classify`.
    case query
    /// A row stored in an index (and the label names a zero-shot vote compares queries with).
    case document
    /// As `SentenceTransformer.encode` does with no prompt named: the folder's default prompt, if any
    /// (`rag embed`, `/v1/embeddings`).
    case plain
}

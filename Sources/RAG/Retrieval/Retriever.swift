// Retriever: embeds queries and returns their nearest stored rows (optionally leaving out the query itself).
public import LinearAlgebra
public import TextEmbedding
public import VectorSearch

/// The embedder and the store its rows were embedded with, checked against each other at creation.
public struct Retriever: Sendable {
    public let embedder: any Embedder
    /// Where the rows are searched: an index folder (flat or IVF) or a remote store.
    public let store: any VectorStore
    /// Every search exact (`SearchParameters.exact`), whatever the call asks: what the classifiers,
    /// prompts and the comparison read, so an approximate index never changes a vote.
    public let exact: Bool

    public init(embedder: any Embedder, store: any VectorStore, exact: Bool = false) throws {
        try store.check(embedderIdentifier: embedder.identifier, dimension: embedder.dimension)
        self.embedder = embedder
        self.store = store
        self.exact = exact
    }

    /// The index folder `store` searched with `index` (the flat one unless given).
    public init(embedder: any Embedder, store: IndexStore, index: (any VectorIndex)? = nil) throws {
        try self.init(embedder: embedder, store: LocalVectorStore(store, index: index))
    }

    /// The top-`k` rows for each text. With `excludeSelf`, a stored row whose text equals the
    /// query's is skipped (to classify the training rows themselves without seeing their answer).
    public func retrieve(_ texts: [String], k: Int, excludeSelf: Bool = false,
                         parameters: SearchParameters = SearchParameters()) throws -> [[Neighbour]] {
        guard !texts.isEmpty else { return [] }
        let queries = try embedder.embed(texts, as: .query)
        return try retrieve(embeddings: queries, texts: texts, k: k, excludeSelf: excludeSelf, parameters: parameters)
    }

    /// As `retrieve`, from embeddings already computed (`[texts.count x dimension]`).
    public func retrieve(embeddings queries: Matrix, texts: [String], k: Int, excludeSelf: Bool = false,
                         parameters: SearchParameters = SearchParameters()) throws -> [[Neighbour]] {
        // One extra result per query covers the skipped self-match (duplicates of it are rare; a
        // few more make it certain for texts stored twice).
        let fetch = excludeSelf ? k + 4 : k
        var parameters = parameters
        if exact { parameters.exact = true }
        let found = try store.nearest(queries, k: fetch, parameters: parameters)
        return (0..<texts.count).map { q in
            var out: [Neighbour] = []
            for hit in found[q] {
                if excludeSelf && hit.document.text == texts[q] { continue }
                out.append(Neighbour(rank: out.count + 1, score: hit.score, document: hit.document))
                if out.count == k { break }
            }
            return out
        }
    }
}

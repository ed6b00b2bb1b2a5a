// Retriever: embeds queries and returns their nearest stored rows (optionally leaving out the query itself).
public import LinearAlgebra
public import TextEmbedding
public import VectorSearch

/// The embedder and the index it was built with, checked against each other at creation.
public struct Retriever: Sendable {
    public let embedder: any Embedder
    public let store: IndexStore
    /// The index searched: the flat one, or IVF when built and asked for.
    public let index: any VectorIndex

    public init(embedder: any Embedder, store: IndexStore, index: (any VectorIndex)? = nil) throws {
        try store.check(embedderIdentifier: embedder.identifier, dimension: embedder.dimension)
        self.embedder = embedder
        self.store = store
        self.index = index ?? store.flat
    }

    /// The top-`k` rows for each text. With `excludeSelf`, a stored row whose text equals the
    /// query's is skipped (to classify the training rows themselves without seeing their answer).
    public func retrieve(_ texts: [String], k: Int, excludeSelf: Bool = false,
                         parameters: SearchParameters = SearchParameters()) throws -> [[Neighbour]] {
        guard !texts.isEmpty else { return [] }
        let queries = try embedder.embed(texts)
        return retrieve(embeddings: queries, texts: texts, k: k, excludeSelf: excludeSelf, parameters: parameters)
    }

    /// As `retrieve`, from embeddings already computed (`[texts.count x dimension]`).
    public func retrieve(embeddings queries: Matrix, texts: [String], k: Int, excludeSelf: Bool = false,
                         parameters: SearchParameters = SearchParameters()) -> [[Neighbour]] {
        // One extra result per query covers the skipped self-match (duplicates of it are rare; a
        // few more make it certain for texts stored twice).
        let fetch = excludeSelf ? k + 4 : k
        let result = index.search(queries, k: fetch, parameters: parameters)
        return (0..<texts.count).map { q in
            var out: [Neighbour] = []
            for (id, score) in result.neighbours(of: q) where id >= 0 {
                let doc = store.documents.document(id)
                if excludeSelf && doc.text == texts[q] { continue }
                out.append(Neighbour(rank: out.count + 1, score: score, document: doc))
                if out.count == k { break }
            }
            return out
        }
    }
}

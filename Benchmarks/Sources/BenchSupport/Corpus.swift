// Corpus: the texts to embed (a CSV's text column), the model folder, and the short latency queries.
import Foundation
import RAG
public import TextEmbedding

/// Paths and inputs of the embedding benchmarks.
public enum Corpus {
    /// The repository this package is nested in (Benchmarks/Sources/BenchSupport/ -> ../../..).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// data/train.csv of the repository.
    public static var defaultCSV: URL { repositoryRoot.appendingPathComponent("data/train.csv") }

    /// `$LOCALRAG_MODEL_DIR`, else the repository's models/all-MiniLM-L6-v2.
    public static var defaultModelDir: URL {
        let env = ProcessInfo.processInfo.environment[EncoderLoader.environmentVariable] ?? ""
        return env.isEmpty ? repositoryRoot.appendingPathComponent("models/\(MiniLM.folderName)") : URL(fileURLWithPath: env)
    }

    /// The `text` column of `csv`, in file order, at most `limit` rows.
    public static func texts(csv: URL = defaultCSV, column: String = "text", limit: Int? = nil) throws -> [String] {
        var out: [String] = []
        try Dataset(url: csv, textColumn: column, labelColumn: nil).forEachBatch(4096) { batch in
            out.append(contentsOf: batch.map(\.text))
        }
        if let limit, limit < out.count { out.removeSubrange(limit...) }
        return out
    }

    /// The shared embed anchors' latency set: the first `count` texts of at most `maxTokens` tokens
    /// ([CLS] and [SEP] included).
    public static func latencyQueries(_ texts: [String], tokenizer: WordPieceTokenizer,
                                      maxTokens: Int = 20, count: Int = 200) -> [String] {
        var out: [String] = []
        for t in texts where tokenizer.encode(t).count <= maxTokens {
            out.append(t)
            if out.count == count { break }
        }
        return out
    }

    /// A JSON array of strings.
    public static func readStrings(_ url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        guard let a = try JSONSerialization.jsonObject(with: data) as? [String] else {
            throw BenchError.badFile(url.path, "not a JSON array of strings")
        }
        return a
    }
}

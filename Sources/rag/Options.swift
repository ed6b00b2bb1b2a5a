// Options: the option groups shared by subcommands (index folder, embedder, CSV columns).
import ArgumentParser
import Foundation
import TextEmbedding
import VectorSearch
import LinearAlgebra
import RAG

struct IndexOptions: ParsableArguments {
    static let environmentVariable = "LOCALRAG_INDEX"
    static let storeVariable = "LOCALRAG_STORE"

    @Option(name: .customLong("index"), help: "Index folder (default: $LOCALRAG_INDEX, else ./index).")
    var option: String?

    @Option(name: .customLong("store"), help: ArgumentHelp(
        "Keep the rows in Milvus instead of an index folder: milvus://HOST:PORT/COLLECTION[?tls=true&db=NAME] (default: $LOCALRAG_STORE).",
        discussion: "The token of a server with authentication (user:password or an API key) is read from $LOCALRAG_MILVUS_TOKEN."))
    var storeOption: String?

    func validate() throws {
        if option != nil && storeOption != nil { throw ValidationError("give either --index DIR or --store milvus://…, not both") }
    }

    /// `--store`, else `$LOCALRAG_STORE` unless `--index` is given: the rows live in a remote store.
    var remote: String? {
        if let storeOption { return storeOption }
        guard option == nil, let env = ProcessInfo.processInfo.environment[Self.storeVariable], !env.isEmpty else { return nil }
        return env
    }

    /// The remote store's address, else `--index`, else `$LOCALRAG_INDEX`, else `index` in the working folder.
    var path: String {
        if let remote { return remote }
        if let option { return option }
        if let env = ProcessInfo.processInfo.environment[Self.environmentVariable], !env.isEmpty { return env }
        return "index"
    }

    var url: URL { URL(fileURLWithPath: path) }

    /// The index folder; a command that works on folders only says so when given a store.
    func open(for command: String = "this command") throws -> IndexStore {
        if let remote { throw RemoteStores.Unsupported(command: command, address: remote) }
        return try IndexStore(opening: url)
    }

    /// The rows' store, opened for reading without an embedder: the remote store, else the folder.
    func store() throws -> any WritableVectorStore {
        if let remote { return try RemoteStores.open(remote) }
        return try FolderVectorStore(opening: url)
    }

    /// The label names of the rows, from the folder or the store.
    func labels() throws -> [String] { try store().labels }
}

extension EncoderPrecision: ExpressibleByArgument {}

enum EmbedderKind: String, ExpressibleByArgument, CaseIterable {
    case minilm, hashing
}

struct EmbedderOptions: ParsableArguments {
    @Option(help: "Embedder: minilm (all-MiniLM-L6-v2) or hashing (lexical, no model). Default: the index's own, else minilm.")
    var embedder: EmbedderKind?

    @Option(help: "Folder holding model.safetensors, vocab.txt and config.json (default: the first found of $LOCALRAG_MODEL_DIR, ./models/all-MiniLM-L6-v2, the user data folder, beside the binary; `rag model list` shows them).")
    var modelDir: String?

    @Option(help: "A model by name, looked for where --model-dir's default is (./models/NAME, the user data folder, beside the binary): \(ModelPackage.all.map(\.name).joined(separator: ", ")) (`rag model install NAME`), or a folder's name there.")
    var model: String?

    @Option(help: "Arithmetic of the encoder's dense layers: f32, or bf16 (bfloat16 products: faster on CPUs with AVX-512 BF16, vectors within a cosine of 0.9999 of f32's; emulated elsewhere). Default: the index's own, else f32. An index records it.")
    var precision: EncoderPrecision?

    @Flag(help: "Embed at --precision even though the index's rows were embedded at the other one (queries and added rows).")
    var mixPrecision = false

    @Option(help: "Threads for BLAS (default: all cores).")
    var threads: Int?

    func validate() throws {
        if model != nil && modelDir != nil { throw ValidationError("give --model NAME or --model-dir DIR, not both") }
        if mixPrecision && precision == nil { throw ValidationError("--mix-precision needs --precision f32 or bf16") }
        if precision != nil && embedder == .hashing { throw ValidationError("--precision applies to the sentence encoder, not --embedder hashing") }
    }

    /// --precision as the library takes it.
    var precisionChoice: EmbedderChoice.Precision {
        precision.map { .asked($0, mixing: mixPrecision) } ?? .following
    }

    /// --model-dir, or the folder --model names (an error listing the places looked in when there is none).
    func resolvedModelDir() throws -> String? {
        guard let model else { return modelDir }
        guard let found = EncoderLoader.find(name: model) else {
            throw EmbeddingError.namedModelNotFound(name: model, searched: EncoderLoader.candidates(modelDir: nil, name: model).map(\.path))
        }
        return found.url.path
    }

    /// The library's choice for these options: --embedder, else the index's own kind.
    var choice: EmbedderChoice {
        get throws {
            let dir = try resolvedModelDir()
            switch embedder {
            case .hashing: return .hashing
            case .minilm: return .encoder(modelDir: dir, precision: precisionChoice)
            case nil: return .automatic(modelDir: dir, precision: precisionChoice)
            }
        }
    }

    /// The embedder asked for, or the one `manifest` was built with.
    func make(for manifest: Manifest? = nil) throws -> any Embedder {
        if let threads { BLASThreads.set(threads) }
        let embedder = try choice.make(for: manifest).embedder
        Self.noteIfEmulated((embedder as? SentenceEncoder)?.precision)
        return embedder
    }

    /// The index of `index` (a folder or a remote store) opened with this embedder.
    func workspace(index: IndexOptions) throws -> Workspace {
        if let threads { BLASThreads.set(threads) }
        let workspace = if let remote = index.remote {
            try Workspace(store: try RemoteStores.open(remote), embedder: try choice)
        } else {
            try Workspace(opening: index.url, embedder: try choice)
        }
        Self.noteIfEmulated((workspace.embedder as? SentenceEncoder)?.precision)
        return workspace
    }

    /// A note on stderr when the encoder computes at a precision this CPU only emulates.
    static func noteIfEmulated(_ precision: EncoderPrecision?) {
        guard let precision, !precision.isNative else { return }
        FileHandle.standardError.write(Data(("note: this CPU has no AVX-512 BF16 (or LOCALRAG_SIMD caps it): "
            + "\(precision.rawValue) is emulated with float32 arithmetic (the same products, equal up to float32 rounding) and is no faster than f32\n").utf8))
    }
}

struct CSVOptions: ParsableArguments {
    @Option(help: "Name of the text column.")
    var textColumn: String = "text"

    @Option(help: "Name of the label column.")
    var labelColumn: String = "label_text"
}

/// The CSV a command stores rows from (build, add, upsert): the file, its columns, the id column, the batch size.
struct RowSourceOptions: ParsableArguments {
    @Option(help: "CSV with a text column and a label column.")
    var csv: String

    @OptionGroup var columns: CSVOptions

    @Option(help: ArgumentHelp("Column holding each row's id (non-empty, unique in the file).",
                               discussion: "Without it, ids are the file's name and the 0-based data row, e.g. train.csv:0."))
    var idColumn: String?

    @Option(help: ArgumentHelp("Columns kept as metadata with each row, NAME or NAME:TYPE, comma-separated.",
                               discussion: "Types: string, integer, float, boolean; without one, the narrowest that reads every value. Filter on them with --where."))
    var metadataColumns: String?

    @Option(help: "Rows embedded per batch.")
    var batchSize: Int = 256

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let metadataColumns, let problem = MetadataColumn.parseList(metadataColumns).problem {
            throw ValidationError("--metadata-columns: \(problem)")
        }
    }

    /// The labelled rows to store.
    var dataset: Dataset {
        Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn, labelColumn: columns.labelColumn,
                requireLabels: true, idColumn: idColumn, metadataColumns: metadataColumns.flatMap { MetadataColumn.parseList($0).columns } ?? [])
    }
}

/// `--where EXPR`: a filter on metadata, label and id.
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("where"), help: ArgumentHelp("Only rows matching EXPR, e.g. 'bucket < 3 and src = \"a\"'.",
                                                       discussion: "Fields: metadata columns, label, id; =, !=, <, <=, >, >=, in [...], is null, and, or, not, parentheses; strings in double quotes."))
    var expression: String?

    /// The parsed filter (nil without --where); a syntax error names the character.
    func filter() throws -> FilterExpression? { try expression.map { try FilterExpression(parsing: $0) } }
}

/// `--method NAME`: the names come from the library's one list.
extension ClassificationMethod: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { names }
}

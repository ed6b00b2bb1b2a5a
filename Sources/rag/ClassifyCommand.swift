// ClassifyCommand: `rag classify --csv FILE --method NAME` (offline techniques or llm): one prediction per row, as JSON lines.
import ArgumentParser
import Foundation
import RAG
import RAGLLM
import TextEmbedding
import VectorSearch

struct ClassifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify every row of a CSV and write predictions (JSON lines: row, text, gold, predicted, confidence, method).",
        discussion: """
        Methods that need no network: knn (similarity-weighted vote of the top k neighbours), head (the \
        linear head from `rag train head`), zero-shot (nearest label name), blend (head probabilities \
        blended with the vote), finetuned (the softmax head of an encoder fine-tuned with `rag train head \
        --encoder`: pass its folder with --model-dir and an index built with it), finetuned-blend (that head \
        blended with the vote over the fine-tuned embeddings).

        llm asks a chat model through an OpenAI-compatible API (--model, --base-url) with the prompt `rag \
        prompt` shows, with the top k neighbours (--rag, the default) or without (--no-rag). The key comes \
        from $OPENAI_API_KEY or ./.env and is only ever sent as the Authorization header. Rows are appended \
        to --out as they finish (in any order) and the file is flushed after each; --resume skips the rows \
        already there. Ctrl-C lets the rows in flight finish, then exits with status 130; a second Ctrl-C \
        quits at once. Answers that name no category are kept (confidence 0, `raw` holds the answer) and \
        counted invalid by `rag evaluate`; rows that still fail after --max-retries are written with \
        predicted "" and an `error`, and --resume retries them.

        --where restricts the stored rows that take part: the neighbours (vote, prompt), the labels         zero-shot, the fine-tuned head and the prompt's category list choose among, and the rows a head         (head, blend) is trained on for this run instead of the stored one.
        """
    )

    @Option(help: "CSV to classify.")
    var csv: String

    @Option(help: ArgumentHelp("One of: \(ClassificationMethod.names.joined(separator: ", ")).", valueName: "method"))
    var method: ClassificationMethod = .offline(.knn)

    @Option(help: "Predictions file (JSON lines); default stdout.")
    var out: String?

    @Option(name: .short, help: "Neighbours that vote (offline) or go into the prompt (llm --rag).")
    var k: Int = 10

    @Flag(help: "Skip a neighbour whose text is the row's own (when classifying the indexed rows).")
    var excludeSelf = false

    @Option(help: "Classify only the first N rows.")
    var limit: Int?

    @Option(help: "llm: the model (gpt-3.5-turbo, ft:gpt-3.5-turbo:org::id, any name for llama-server).")
    var model: String?

    @Flag(inversion: .prefixedNo, help: "llm: put the top k retrieved rows in the prompt.")
    var rag = true

    @Flag(help: "llm: keep the rows already in --out and classify only the others.")
    var resume = false

    @OptionGroup var filter: FilterOptions
    @OptionGroup(title: "LLM options") var llm: LLMOptions
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard k >= 1 else { throw ValidationError("-k must be at least 1") }
        if method == .llm {
            guard model != nil else { throw ValidationError("--method llm needs --model (e.g. gpt-3.5-turbo; any name for llama-server)") }
            if resume && (out == nil || out == "-") { throw ValidationError("--resume needs --out FILE") }
        } else if resume {
            throw ValidationError("--resume is for --method llm; offline methods rewrite --out in seconds")
        }
    }

    func run() async throws {
        if case .offline(let offline) = method { return try runOffline(offline) }
        try await runLLM(model: model!)
    }

    func runOffline(_ method: OfflineClassifier.Method) throws {
        let workspace = try embedding.workspace(index: index)
        let filter = try self.filter.filter()
        if filter == nil, method == .head || method == .blend { try workspace.retrainStaleHeadSayingSo() }
        let classifier = try workspace.classifier(k: k, for: [method], filter: filter)
        let dataset = Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn, labelColumn: columns.labelColumn)
        let output = try AtomicOutput(path: out)
        let progress = ProgressReporter("classifying \(csv)", total: limit)
        var done = 0, correct = 0, labelled = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let limit = self.limit ?? .max
        try dataset.forEachBatch(256) { full in
            let batch = full.filter { $0.row < limit }
            guard !batch.isEmpty else { return }
            for p in try classifier.classify(batch, methods: [method], excludeSelf: excludeSelf)[method]! {
                output.write(data: try encoder.encode(p))
                if let g = p.gold { labelled += 1; if g == p.predicted { correct += 1 } }
            }
            done += batch.count
            progress.update(done)
        }
        progress.finish()
        try output.commit()
        var summary = "classified \(done) rows with \(method.rawValue)"
        if labelled > 0 { summary += String(format: ", accuracy %.4f on %d labelled rows", Double(correct) / Double(labelled), labelled) }
        if let out { summary += "; wrote \(out)" }
        Terminal.printError(summary)
    }

    func runLLM(model: String) async throws {
        // Without retrieval no embedder is needed: the labels are enough.
        let filter = try self.filter.filter()
        if filter != nil && !rag { throw ValidationError("--where restricts the retrieved rows; --no-rag retrieves none") }
        let workspace = rag ? try embedding.workspace(index: index) : nil
        let retriever = workspace?.snapshot.retriever
        let labels = try filter.flatMap { try workspace?.classifier(k: k, filter: $0).candidateLabels }
            ?? retriever?.store.labels ?? index.labels()
        guard !labels.isEmpty else { throw ClassificationError.noLabels(index: index.path) }
        let builder = try prompt.builder(labels: labels)
        var rows = try Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn,
                               labelColumn: columns.labelColumn).readAll()
        if let limit { rows = Array(rows.prefix(limit)) }
        let journal = try PredictionJournal(out.flatMap { $0 == "-" ? nil : .file($0) } ?? .standardOutput,
                                            resume: resume, rows: rows)
        defer { journal.close() }
        for note in journal.notes { Terminal.printError("resume: \(note)") }
        let pending = rows.filter { journal.done[$0.row] == nil }.count
        if resume { Terminal.printError("resume: \(rows.count - pending) of \(rows.count) rows already in \(out!); \(pending) to classify") }

        let stop = StopToken()
        stop.stopOnInterrupt {
            Terminal.printError("\ninterrupted: letting the rows in flight finish (Ctrl-C again to quit at once)")
        }
        let progress = ProgressReporter("classifying \(csv) with \(model)", total: pending)
        let (_, summary) = try await llm.api.withClient { client in
            let batch = LLMBatch(classifier: llm.classifier(client: client, model: model, builder: builder, rag: rag),
                                 retriever: retriever, k: k, concurrency: llm.concurrency, excludeSelf: excludeSelf,
                                  filter: filter)
            return try await batch.run(rows, journal: journal, stop: stop, progress: { done, _ in progress.update(done) },
                                       onRetry: { error, delay in
                                           Terminal.printError(String(format: "retrying in %.1f s: %@", delay, error.localizedDescription))
                                       })
        }
        progress.finish()
        Terminal.printError(Self.describe(summary, method: LLMOptions.methodName(model: model, rag: rag), out: out))
        if stop.reason == "interrupted" {
            Terminal.printError("stopped by Ctrl-C: \(summary.remaining) rows left; run the same command with --resume to finish them")
            throw ExitCode(130)
        }
    }

    static func describe(_ s: BatchSummary, method: String, out: String?) -> String {
        var line = "classified \(s.answered + s.failed) rows with \(method)"
        if s.resumed > 0 { line += " (\(s.resumed) already done)" }
        line += ": \(s.answered - s.invalid) valid, \(s.invalid) invalid, \(s.failed) failed"
        if s.retries > 0 { line += ", \(s.retries) retries" }
        if let a = s.accuracy { line += String(format: "; accuracy %.4f on %d labelled rows", a, s.labelled) }
        line += String(format: "; %.1f s, %.2f rows/s", s.seconds, s.rowsPerSecond)
        if let m = s.medianLatency { line += String(format: ", median %.2f s/row", m) }
        if s.promptTokens > 0 {
            line += String(format: ", prompt cache %.0f%% of %d prompt tokens", 100 * Double(s.cachedPromptTokens) / Double(s.promptTokens), s.promptTokens)
        }
        if let out { line += "; wrote \(out)" }
        return line
    }
}

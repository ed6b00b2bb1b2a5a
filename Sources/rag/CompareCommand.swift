// CompareCommand: `rag compare --csv TEST`: the four-technique table of the original experiment, offline, plus LLM rows when asked.
import ArgumentParser
import Foundation
import RAG
import RAGLLM
import TextEmbedding
import VectorSearch

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Score every offline technique on a labelled CSV and print the comparison table.",
        discussion: """
        Rows, in the original experiment's order and names:
          Fine-tuned model without RAG   the softmax head of the encoder fine-tuned end to end (rag train encoder)
          Fine-tuned model with RAG      that head blended with the vote over the fine-tuned encoder's neighbours
          Base model with RAG            similarity-weighted vote of the top k neighbours (base encoder)
          Base model without RAG         zero-shot: the label whose name's embedding is nearest (base encoder)
        and, to show what fine-tuning the encoder adds:
          Linear head, frozen encoder, without RAG   the linear head on base embeddings (rag train head; trained now if the index has none)
          Linear head, frozen encoder, with RAG      its probabilities blended with the base vote

        The fine-tuned rows need the fine-tuned model folder (--finetuned-model, default \
        models/all-MiniLM-L6-v2-finetuned) and an index built with it (--finetuned-index, default index-ft: \
        `rag index build --csv data/train.csv --model-dir MODEL --index index-ft`); without the model they are left out.

        With --llm-model M (and --ft-model M2, a fine-tuned model id) the same rows are also \
        classified by those chat models through the OpenAI-compatible API at --base-url, with and \
        without the retrieved rows, and added to the table as "LLM" rows. --limit N scores the first \
        N rows only (every row of the table on the same rows). Failed LLM rows count as wrong.

        Markdown by default; --json for machines.

        Learning curves: --curve 2,4,8,16,32,all measures zero-shot, the vote (knn) and the frozen \
        head (--curve-methods adds blend and the fine-tuned encoder's finetuned and finetuned-blend) \
        with only that many stored rows per label (stratified draws, --curve-seeds draws per \
        count, the same rows for every technique), on the rows of --csv: accuracy and macro-F1 with \
        their spread over the seeds and the seconds each point took, then which technique is the \
        cheapest within 1 point of the best at each count. --curve-out F.json and --curve-csv F.csv \
        keep every point, --curve-svg F.svg draws them, --curve-html F.html is a page with the \
        chart and the table. With --llm-model M the curve adds the chat model with RAG (a batch per \
        draw, the neighbours among the drawn rows: llm-rag:M) and without (llm:M: no examples reach \
        its prompt, so it is asked once and drawn flat at every count); --limit N keeps those \
        batches short.
        """
    )

    @Option(help: "Labelled CSV to score (e.g. data/test.csv).")
    var csv: String

    @Option(name: .short, help: "Neighbours that vote.")
    var k: Int = 10

    @Flag(help: "Print the table as JSON.")
    var json = false

    @Option(help: "Folder to write each technique's predictions into (<method>.jsonl).")
    var predictions: String?

    @Option(help: "Score only the first N rows.")
    var limit: Int?

    @Option(help: "Model folder of an encoder fine-tuned with `rag train encoder` (default: models/all-MiniLM-L6-v2-finetuned when it exists).")
    var finetunedModel: String?

    @Option(help: "Index built with the fine-tuned encoder, for the fine-tuned rows' neighbours.")
    var finetunedIndex: String = "index-ft"

    @Option(help: "Base chat model to add (with and without RAG), e.g. gpt-3.5-turbo.")
    var llmModel: String?

    @Option(help: "Fine-tuned chat model to add (with and without RAG), e.g. ft:gpt-3.5-turbo:acme::abc123.")
    var ftModel: String?

    @Option(help: "Learning curve: stored rows per label to measure with, comma-separated whole numbers or all (e.g. 2,4,8,16,32,all).")
    var curve: String?

    @Option(help: "Draws (seeds 0, 1, ...) at each count of the curve below every label's rows.")
    var curveSeeds: Int = 3

    @Option(help: "Write the curve's points as JSON (a list of objects) to this file.")
    var curveOut: String?

    @Option(help: "Write the curve's points as CSV to this file.")
    var curveCsv: String?

    @Option(help: "Techniques of the curve, comma-separated: zero-shot, knn, head, blend, finetuned, finetuned-blend (the last two fine-tune the encoder at every point: minutes each). Default: zero-shot,knn,head.")
    var curveMethods: String?

    @Option(help: "Learning curve: how the finetuned points fine-tune: softmax (a head trained with the encoder) or contrastive (the few-shot recipe, then a head).")
    var curveObjective: FineTuneRecipe.Objective = .softmax

    @Option(help: "Draw the curve as an SVG chart in this file (accuracy against rows per label, log scale, the seeds' spread as a band).")
    var curveSvg: String?

    @Option(help: "Write the curve as an HTML page to this file: the chart, the table with spreads and times, the cheapest technique near the best (self-contained, no script).")
    var curveHtml: String?

    @OptionGroup var filter: FilterOptions
    @OptionGroup(title: "LLM options") var llm: LLMOptions
    @OptionGroup var prompt: PromptOptions

    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    /// The fine-tuned encoder's folder: --finetuned-model, else the default one when it exists.
    var fineTunedFolder: URL? {
        if let finetunedModel { return URL(fileURLWithPath: finetunedModel) }
        let fallback = URL(fileURLWithPath: MiniLM.fineTunedFolder)
        return FileManager.default.fileExists(atPath: fallback.appendingPathComponent("model.safetensors").path) ? fallback : nil
    }

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let curve {
            _ = try Self.curvePoints(curve)
            _ = try Self.curveTechniques(curveMethods)
            guard curveSeeds >= 1 else { throw ValidationError("--curve-seeds must be at least 1") }
            if ftModel != nil || finetunedModel != nil || predictions != nil || filter.expression != nil {
                throw ValidationError("--curve draws from the whole index and trains at every point: it does not take --ft-model (a chat model fine-tuned on every row), --finetuned-model, --predictions or --where yet")
            }
        } else if curveOut != nil || curveCsv != nil || curveSvg != nil || curveHtml != nil || curveMethods != nil || curveSeeds != 3 {
            throw ValidationError("--curve-out, --curve-csv, --curve-svg, --curve-html, --curve-methods and --curve-seeds go with --curve")
        }
    }

    /// The LLM rows asked for, in the original table's order: fine-tuned without, with; base with, without.
    var llmTechniques: [(name: String, model: String, rag: Bool, file: String)] {
        var out: [(String, String, Bool, String)] = []
        if let ftModel {
            out.append(("Fine-tuned LLM without RAG (\(ftModel))", ftModel, false, "llm-finetuned"))
            out.append(("Fine-tuned LLM with RAG (\(ftModel))", ftModel, true, "llm-rag-finetuned"))
        }
        if let llmModel {
            out.append(("Base LLM with RAG (\(llmModel))", llmModel, true, "llm-rag-base"))
            out.append(("Base LLM without RAG (\(llmModel))", llmModel, false, "llm-base"))
        }
        return out
    }

    func run() async throws {
        if curve != nil { return try await runCurve() }
        let start = Date()
        let workspace = try embedding.workspace(index: index)
        let filter = try self.filter.filter()
        if filter == nil { try workspace.retrainStaleHeadSayingSo() }
        let rows = try evaluationRows()
        var fineTuned: Workspace?
        if let folder = fineTunedFolder {
            fineTuned = try Workspace(opening: URL(fileURLWithPath: finetunedIndex), embedder: .encoder(modelDir: folder.path, precision: embedding.precisionChoice))
        } else {
            Terminal.printError("no fine-tuned encoder (\(MiniLM.fineTunedFolder) or --finetuned-model): the fine-tuned rows are left out; `rag train encoder` trains one")
        }
        if let filter, let fineTuned {
            do { _ = try fineTuned.snapshot.store.count(matching: filter) } catch let error as FilterError {
                throw ValidationError("--where on \(finetunedIndex) (the fine-tuned rows' index): \(error.localizedDescription); "
                                      + "build it from the same CSV with the same --metadata-columns")
            }
        }
        var table = try workspace.compare(rows, k: k, fineTuned: fineTuned, filter: filter) { note in
            switch note {
            case .headTrained:
                Terminal.printError(workspace.snapshot.store.keepsParts ? "the index has no trained head; training one on its rows (save it with `rag train head`)"
                                                            : "\(index.path) keeps vectors only; training a head on its rows for this table")
            case .filtered(let n):
                Terminal.printError("--where keeps \(n) stored rows: the neighbours, the labels and a head trained on them for this table")
            case .unknownLabels(let labels):
                Terminal.printError("warning: \(labels.count) label(s) of \(csv) are not in the index (e.g. \(labels.prefix(3).joined(separator: ", "))); those rows can only be wrong")
            }
        }
        if let predictions {
            try FileManager.default.createDirectory(atPath: predictions, withIntermediateDirectories: true)
            for row in table.rows { try writePredictions(table.predictions[row.method]!, named: row.method) }
        }
        let retriever = workspace.snapshot.retriever
        if !llmTechniques.isEmpty {
            let labels = try filter.flatMap { try workspace.classifier(k: k, filter: $0).candidateLabels } ?? workspace.snapshot.labels
            let builder = try prompt.builder(labels: labels)
            let stop = StopToken()
            stop.stopOnInterrupt { Terminal.printError("\ninterrupted: letting the rows in flight finish (Ctrl-C again to quit at once)") }
            try await llm.api.withClient { client in
                for t in llmTechniques {
                    let journal = try PredictionJournal(predictions.map { .file(($0 as NSString).appendingPathComponent("\(t.file).jsonl")) } ?? .discard,
                                                        rows: rows)
                    defer { journal.close() }
                    let batch = LLMBatch(classifier: llm.classifier(client: client, model: t.model, builder: builder, rag: t.rag),
                                         retriever: t.rag ? retriever : nil, k: k, concurrency: llm.concurrency, filter: filter)
                    let progress = ProgressReporter(t.name, total: rows.count)
                    let (preds, summary) = try await batch.run(rows, journal: journal, stop: stop, progress: { d, _ in progress.update(d) })
                    progress.finish()
                    Terminal.printError(ClassifyCommand.describe(summary, method: LLMOptions.methodName(model: t.model, rag: t.rag),
                                                                 out: journal.path))
                    if stop.isStopped { throw ExitCode(130) }
                    try table.add(t.name, method: LLMOptions.methodName(model: t.model, rag: t.rag), predictions: preds)
                }
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(table), as: UTF8.self))
        } else {
            print(table.markdown)
        }
        Terminal.printError(String(format: "compared %d techniques on %d rows of %@ in %.1f s", table.rows.count, rows.count, csv, Date().timeIntervalSince(start)))
    }

    /// The labelled rows of --csv, the first --limit of them when given.
    func evaluationRows() throws -> [LabelledText] {
        let rows = try Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn,
                               labelColumn: columns.labelColumn, requireLabels: true).readAll()
        return limit.map { Array(rows.prefix($0)) } ?? rows
    }

    /// `<dir>/<name>.jsonl` under --predictions, written whole or not at all.
    func writePredictions(_ preds: [Prediction], named name: String) throws {
        guard let predictions else { return }
        let out = try AtomicOutput(path: (predictions as NSString).appendingPathComponent("\(name).jsonl"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        for p in preds { out.write(data: try encoder.encode(p)) }
        try out.commit()
    }
}

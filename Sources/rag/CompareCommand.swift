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
          Fine-tuned model without RAG   the softmax head of the encoder fine-tuned end to end (rag finetune local --encoder)
          Fine-tuned model with RAG      that head blended with the vote over the fine-tuned encoder's neighbours
          Base model with RAG            similarity-weighted vote of the top k neighbours (base encoder)
          Base model without RAG         zero-shot: the label whose name's embedding is nearest (base encoder)
        and, to show what fine-tuning the encoder adds:
          Linear head, frozen encoder, without RAG   the linear head on base embeddings (rag finetune local; trained now if the index has none)
          Linear head, frozen encoder, with RAG      its probabilities blended with the base vote

        The fine-tuned rows need the fine-tuned model folder (--finetuned-model, default \
        models/all-MiniLM-L6-v2-finetuned) and an index built with it (--finetuned-index, default index-ft: \
        `rag index build --csv data/train.csv --model-dir MODEL --index index-ft`); without the model they are left out.

        With --llm-model M (and --ft-model M2, a fine-tuned model id) the same rows are also \
        classified by those chat models through the OpenAI-compatible API at --base-url, with and \
        without the retrieved rows, and added to the table as "LLM" rows. --limit N scores the first \
        N rows only (every row of the table on the same rows). Failed LLM rows count as wrong.

        Markdown by default; --json for machines.
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

    @Option(help: "Model folder of an encoder fine-tuned with `rag finetune local --encoder` (default: models/all-MiniLM-L6-v2-finetuned when it exists).")
    var finetunedModel: String?

    @Option(help: "Index built with the fine-tuned encoder, for the fine-tuned rows' neighbours.")
    var finetunedIndex: String = "index-ft"

    @Option(help: "Base chat model to add (with and without RAG), e.g. gpt-3.5-turbo.")
    var llmModel: String?

    @Option(help: "Fine-tuned chat model to add (with and without RAG), e.g. ft:gpt-3.5-turbo:acme::abc123.")
    var ftModel: String?

    @OptionGroup(title: "LLM options") var llm: LLMOptions
    @OptionGroup var prompt: PromptOptions

    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    struct Row: Encodable {
        var technique: String
        var method: String
        var accuracy: Double
        var macroPrecision: Double, macroRecall: Double, macroF1: Double
        var weightedPrecision: Double, weightedRecall: Double, weightedF1: Double
    }

    static let fineTunedTechniques: [(String, OfflineClassifier.Method)] = [
        ("Fine-tuned model without RAG", .finetuned), ("Fine-tuned model with RAG", .finetunedBlend),
    ]
    static let baseTechniques: [(String, OfflineClassifier.Method)] = [
        ("Base model with RAG", .knn), ("Base model without RAG", .zeroShot),
        ("Linear head, frozen encoder, without RAG", .head), ("Linear head, frozen encoder, with RAG", .blend),
    ]

    /// The fine-tuned encoder's folder: --finetuned-model, else the default one when it exists.
    var fineTunedFolder: URL? {
        if let finetunedModel { return URL(fileURLWithPath: finetunedModel) }
        let fallback = URL(fileURLWithPath: MiniLM.fineTunedFolder)
        return FileManager.default.fileExists(atPath: fallback.appendingPathComponent("model.safetensors").path) ? fallback : nil
    }

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
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
        let start = Date()
        let store = try index.open()
        let embedder = try embedding.make(for: store.manifest)
        let retriever = try Retriever(embedder: embedder, store: store)
        var head = try LinearHead.load(from: store)
        if head == nil {
            Terminal.printError("the index has no trained head; training one on its rows (save it with `rag finetune local`)")
            let (x, labels) = try TrainingData.load(csv: nil, columns: columns, store: store, embedding: embedding)
            head = try LinearHeadTrainer().train(x, labels: labels).0
        }
        var rows = try Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn,
                               labelColumn: columns.labelColumn, requireLabels: true).readAll()
        if let limit { rows = Array(rows.prefix(limit)) }
        let known = Set(store.documents.labels)
        let unknown = Set(rows.compactMap(\.label)).subtracting(known)
        if !unknown.isEmpty {
            Terminal.printError("warning: \(unknown.count) label(s) of \(csv) are not in the index (e.g. \(unknown.sorted().prefix(3).joined(separator: ", "))); those rows can only be wrong")
        }
        let classifier = OfflineClassifier(retriever: retriever, head: head, k: k)
        var results = try classifier.classify(rows, methods: Self.baseTechniques.map(\.1))
        var techniques = Self.baseTechniques
        if let folder = fineTunedFolder {
            let ftStore = try IndexStore(opening: URL(fileURLWithPath: finetunedIndex))
            let encoder = try MiniLMLoader.load(from: folder)
            try ftStore.check(embedderIdentifier: encoder.identifier, dimension: encoder.dimension)
            let ft = OfflineClassifier(retriever: try Retriever(embedder: encoder, store: ftStore),
                                       head: nil, fineTunedHead: try FineTunedHead.load(modelFolder: folder), k: k)
            results.merge(try ft.classify(rows, methods: Self.fineTunedTechniques.map(\.1))) { a, _ in a }
            techniques = Self.fineTunedTechniques + techniques
        } else {
            Terminal.printError("no fine-tuned encoder (\(MiniLM.fineTunedFolder) or --finetuned-model): the fine-tuned rows are left out; `rag finetune local --encoder` trains one")
        }
        var table: [Row] = []
        func add(_ name: String, method: String, _ preds: [Prediction]) throws {
            let r = try ClassificationReport(gold: preds.map { $0.gold! }, predicted: preds.map(\.predicted))
            table.append(Row(technique: name, method: method, accuracy: r.accuracy,
                             macroPrecision: r.macro.precision, macroRecall: r.macro.recall, macroF1: r.macro.f1,
                             weightedPrecision: r.weighted.precision, weightedRecall: r.weighted.recall, weightedF1: r.weighted.f1))
        }
        if let predictions { try FileManager.default.createDirectory(atPath: predictions, withIntermediateDirectories: true) }
        for (name, method) in techniques {
            let preds = results[method]!
            try add(name, method: method.rawValue, preds)
            if let predictions {
                let out = try AtomicOutput(path: (predictions as NSString).appendingPathComponent("\(method.rawValue).jsonl"))
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.withoutEscapingSlashes]
                for p in preds { out.write(data: try encoder.encode(p)) }
                try out.commit()
            }
        }
        if !llmTechniques.isEmpty {
            let builder = try prompt.builder(labels: store.documents.labels)
            let stop = StopToken()
            stop.stopOnInterrupt { Terminal.printError("\ninterrupted: letting the rows in flight finish (Ctrl-C again to quit at once)") }
            try await llm.api.withClient { client in
                for t in llmTechniques {
                    let journal = try PredictionJournal(predictions.map { .file(($0 as NSString).appendingPathComponent("\(t.file).jsonl")) } ?? .discard,
                                                        rows: rows)
                    defer { journal.close() }
                    let batch = LLMBatch(classifier: llm.classifier(client: client, model: t.model, builder: builder, rag: t.rag),
                                         retriever: t.rag ? retriever : nil, k: k, concurrency: llm.concurrency)
                    let progress = ProgressReporter(t.name, total: rows.count)
                    let (preds, summary) = try await batch.run(rows, journal: journal, stop: stop, progress: { d, _ in progress.update(d) })
                    progress.finish()
                    Terminal.printError(ClassifyCommand.describe(summary, method: LLMOptions.methodName(model: t.model, rag: t.rag),
                                                                 out: journal.path))
                    if stop.isStopped { throw ExitCode(130) }
                    try add(t.name, method: LLMOptions.methodName(model: t.model, rag: t.rag), preds)
                }
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(table), as: UTF8.self))
        } else {
            print("| Technique | Accuracy | Macro P | Macro R | Macro F1 | Weighted P | Weighted R | Weighted F1 |")
            print("|---|---|---|---|---|---|---|---|")
            for r in table {
                print("| \(r.technique) | " + [r.accuracy, r.macroPrecision, r.macroRecall, r.macroF1, r.weightedPrecision, r.weightedRecall, r.weightedF1]
                    .map { String(format: "%.4f", $0) }.joined(separator: " | ") + " |")
            }
        }
        Terminal.printError(String(format: "compared %d techniques on %d rows of %@ in %.1f s", table.count, rows.count, csv, Date().timeIntervalSince(start)))
    }
}

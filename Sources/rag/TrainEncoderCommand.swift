// TrainEncoderCommand: `rag train encoder`: fine-tunes the encoder end to end (softmax head, or contrastive then a head) into a sentence-transformers model folder.
import ArgumentParser
import Foundation
import LinearAlgebra
import RAG
import TextEmbedding

extension FineTuneRecipe.Objective: ExpressibleByArgument {}

struct TrainEncoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoder",
        abstract: "Fine-tune the encoder end to end (softmax head, or contrastive then a head) and write the model folder (--out).",
        discussion: """
        Fine-tunes every weight of the encoder (all-MiniLM-L6-v2 by default; --model all-mpnet-base-v2 or --model-dir: any \
        BERT or MPNet folder that pools the mean and has no prompts) on the rows of --csv, else the index's stored texts and \
        labels (AdamW, linear warm-up then decay, dropout 0.1, gradient clipping). --objective softmax (the default) trains a \
        softmax head on mean-pooled embeddings with the encoder (cross-entropy). --objective contrastive is the few-shot recipe: \
        batches hold rows of a label in groups (--group), each row is pulled towards the others of its label in the batch and \
        away from the rest (supervised contrastive loss on cosines times --scale; cost linear in the rows, whatever the number \
        of labels), then a logistic head is fitted on the tuned embeddings (--head-lambda). With a few rows per label (under \
        about 32) contrastive does better; with more, softmax. After each epoch the accuracy on the held-out share \
        (--validation; for contrastive, by the nearest class centroid) picks the best epoch. The result \
        is a sentence-transformers model folder (--out) with head.safetensors and training.json beside the weights: build an index \
        over it with `rag index build --model-dir OUT`, classify with `rag classify --method finetuned --model-dir OUT`. A checkpoint \
        after each epoch (OUT.checkpoint/) lets --resume continue after Ctrl-C or a crash; the previous OUT stays whole until the \
        new one is complete. The same --seed and --threads give the same weights bit for bit.
        """
    )

    @Option(help: "Training CSV (default: the rows already in the index).")
    var csv: String?

    @Option(help: "What the encoder is trained for: softmax (a head over the labels) or contrastive (the few-shot recipe, then a head).")
    var objective: FineTuneRecipe.Objective = .softmax

    @Option(help: "Passes over the training rows (default: 3 for softmax, \(FineTuneRecipe.contrastiveEpochs) for contrastive).")
    var epochs: Int?

    @Option(help: "Peak learning rate of the encoder (softmax: the head's is 10x).")
    var lr: Float = 1e-4

    @Option(help: "Contrastive: the cosine scale (1/temperature).")
    var scale: Double = 20

    @Option(help: "Contrastive: rows of one label kept together in a batch.")
    var group: Int = 2

    @Option(help: "Contrastive: L2 penalty of the head fitted afterwards.")
    var headLambda: Double = 0.02

    @Option(help: "Rows per step.")
    var batch: Int = 32

    @Option(help: "Seed of the head's initialisation, the shuffles, the validation split and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Share of the rows held out to pick the best epoch (0: none, keep the last).")
    var validation: Double = 0.1

    @Option(help: "Wordpieces per text, [CLS] and [SEP] included.")
    var maxLength: Int = 64

    @Option(help: "Dropout probability (BERT's 0.1).")
    var dropout: Float = 0.1

    @Option(help: "AdamW weight decay (not on biases, LayerNorm or the head).")
    var weightDecay: Float = 0.01

    @Option(help: "Share of the steps spent warming the learning rate up.")
    var warmup: Float = 0.1

    @Option(help: "Largest global gradient norm (0: no clipping).")
    var clip: Float = 1

    @Option(help: "The model folder to write (default: models/NAME-finetuned for the base model's folder NAME, models/all-MiniLM-L6-v2-finetuned by default).")
    var out: String?

    @Flag(help: "Continue from the last finished epoch of an interrupted run (same data and settings).")
    var resume = false

    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func validate() throws {
        if embedding.precision != nil {
            throw ValidationError("--precision: fine-tuning runs in float32; embed with the tuned model at bf16 with `rag index build --model-dir DIR --precision bf16`")
        }
    }

    func run() throws {
        if let threads = embedding.threads { BLASThreads.set(threads) }
        var recipe = FineTuneRecipe(objective: objective)
        if let epochs { recipe.epochs = epochs }
        recipe.learningRate = lr
        recipe.contrastiveScale = scale
        recipe.contrastiveGroup = group
        recipe.headLambda = headLambda
        recipe.batchSize = batch
        recipe.seed = seed
        recipe.validationFraction = validation
        recipe.maxLength = maxLength
        recipe.dropout = dropout
        recipe.weightDecay = weightDecay
        recipe.warmupFraction = warmup
        recipe.clipNorm = clip
        try recipe.check()
        let baseDir = try embedding.resolvedModelDir()
        guard let base = EncoderLoader.find(modelDir: baseDir) else {
            throw EmbeddingError.modelNotFound(searched: EncoderLoader.candidates(modelDir: baseDir).map(\.path))
        }
        let (texts, labels, source) = try trainingRows()
        let out = self.out ?? "models/\(base.url.lastPathComponent)-finetuned"
        let outURL = URL(fileURLWithPath: out)
        FileHandle.standardError.write(Data("fine-tuning \(base.url.path) on \(texts.count) rows of \(source), \(BLASThreads.count) thread\(BLASThreads.count == 1 ? "" : "s")\n".utf8))
        let live = Terminal.stderrIsTerminal
        var lastPrint = Date.distantPast
        let report = try EncoderFineTuner(recipe: recipe).train(
            texts: texts, labels: labels, baseModel: base.url, output: outURL, resume: resume,
            estimated: { FileHandle.standardError.write(Data(($0.summary + "\n").utf8)) },
            progress: { p in
                let now = Date()
                let tenth = max(1, p.steps / 10)
                guard live ? now.timeIntervalSince(lastPrint) > 0.5 || p.step == p.steps : p.step % tenth == 0 || p.step == p.steps else { return }
                lastPrint = now
                let line = String(format: "epoch %d/%d  step %d/%d  loss %.4f  %.1f samples/s  ETA %@",
                                  p.epoch, p.epochs, p.step, p.steps, p.loss, p.samplesPerSecond, Self.duration(p.etaSeconds))
                FileHandle.standardError.write(Data((live ? "\r" + line + "\u{1B}[K" : line + "\n").utf8))
            },
            epochFinished: { e in
                var line = String(format: "epoch %d: loss %.4f, %.1f samples/s, %.0f s", e.epoch, e.loss, e.samplesPerSecond, e.seconds)
                if let a = e.validationAccuracy { line += String(format: ", validation accuracy %.4f", a) }
                FileHandle.standardError.write(Data(((live ? "\r" : "") + line + (live ? "\u{1B}[K" : "") + "\n").utf8))
            })
        let best = report.epochs.first { $0.epoch == report.bestEpoch }
        var line = "fine-tuned \(base.url.lastPathComponent) on \(report.trainingRows) rows, \(report.labels.count) labels, \(report.epochs.count) epochs"
        if recipe.objective == .contrastive { line += " (contrastive, then a head)" }
        if let after = report.resumedAfterEpoch { line += " (resumed after epoch \(after))" }
        if let a = best?.validationAccuracy {
            line += String(format: "; best epoch %d (validation accuracy %.4f on %d rows)", report.bestEpoch, a, report.validationRows)
        }
        let seconds = report.epochs.reduce(0) { $0 + $1.seconds }
        line += String(format: "; %.0f s training, %.1f samples/s; saved in %@", seconds,
                       Double(report.trainingRows * report.epochs.count) / max(seconds, 1e-9), out)
        print(line)
    }

    /// Texts and labels of --csv, else of the index's labelled rows.
    func trainingRows() throws -> ([String], [String], String) {
        if let csv {
            let rows = try Dataset(url: URL(fileURLWithPath: csv), textColumn: columns.textColumn,
                                   labelColumn: columns.labelColumn, requireLabels: true).readAll()
            return (rows.map(\.text), rows.map { $0.label! }, csv)
        }
        let store = try index.open(for: "rag train encoder")
        var texts: [String] = [], labels: [String] = []
        for i in 0..<store.count {
            let d = store.documents.document(i)
            if let l = d.label { texts.append(d.text); labels.append(l) }
        }
        guard !texts.isEmpty else { throw ClassificationError.noLabels(index: store.folder.relativePath) }
        return (texts, labels, index.path)
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t % 3600 / 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}

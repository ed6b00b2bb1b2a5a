// EncoderFineTuner: trains a sentence encoder (BERT or MPNet) end to end on labelled texts (a softmax head, or contrastive then a head); checkpoints, resume, the model folder.
public import Foundation
import Checksum
import LinearAlgebra

/// End-to-end fine-tuning: every epoch shuffles the training rows (seeded), runs
/// `EncoderTrainingPass` on batches, clips, and steps AdamW under the warm-up/decay schedule;
/// after each epoch it measures accuracy on the held-out rows, keeps the best epoch's weights,
/// and checkpoints (atomically) beside the output folder so `resume` continues from the last
/// finished epoch. The result is a sentence-transformers model folder with the head beside it,
/// swapped into place only when complete: a crash leaves the previous model whole. The same seed
/// and thread count give the same weights bit for bit.
public struct EncoderFineTuner {
    public struct Progress: Sendable {
        public var epoch: Int, epochs: Int, step: Int, steps: Int
        /// Mean training loss of this epoch so far.
        public var loss: Double
        public var samplesPerSecond: Double
        public var etaSeconds: Double
    }

    public struct EpochSummary: Codable, Sendable, Equatable {
        public var epoch: Int
        public var loss: Double
        public var validationAccuracy: Double?
        public var seconds: Double
        public var samplesPerSecond: Double
    }

    public struct Report: Codable, Sendable {
        public var epochs: [EpochSummary]
        public var bestEpoch: Int
        public var labels: [String]
        public var trainingRows: Int
        public var validationRows: Int
        public var resumedAfterEpoch: Int?
        public var threads: Int
        public var output: String
        public var recipe: FineTuneRecipe
    }

    public var recipe: FineTuneRecipe
    public init(recipe: FineTuneRecipe) { self.recipe = recipe }

    /// File names inside a fine-tuned model folder, beside the sentence-transformers ones.
    public static let headFileName = "head.safetensors"
    public static let reportFileName = "training.json"

    /// The checkpoint folder of a run writing `output`.
    public static func checkpointFolder(for output: URL) -> URL {
        output.deletingLastPathComponent().appendingPathComponent(output.lastPathComponent + ".checkpoint")
    }

    public func train(texts: [String], labels: [String], baseModel: URL, output: URL, resume: Bool = false,
                      estimated: (FineTuneEstimate) -> Void = { _ in },
                      progress: (Progress) -> Void = { _ in }, epochFinished: (EpochSummary) -> Void = { _ in }) throws -> Report {
        try recipe.check()
        precondition(texts.count == labels.count)
        let classes = Array(Set(labels)).sorted()
        guard classes.count >= 2 else { throw FineTuneError.tooFewLabels(count: classes.count) }
        if output.standardizedFileURL.resolvingSymlinksInPath().path == baseModel.standardizedFileURL.resolvingSymlinksInPath().path {
            throw FineTuneError.outputIsBaseModel(path: output.path)
        }
        let config = try EncoderConfig.read(baseModel.appendingPathComponent("config.json"))
        // The base must be one the encoder runs as sentence-transformers would (its files are copied to the output).
        let folder = try SentenceTransformerFolder(reading: baseModel, config: config)
        // The objective pools the tokens' mean and reads texts without prompts; another pooling would train a different model.
        guard folder.pooling == [.mean], folder.prompts == .none else {
            throw EmbeddingError.badConfig(path: baseModel.path, reason: "fine-tuning runs mean pooling without prompts; this folder pools by \(folder.pooling.map(\.rawValue).joined(separator: "+"))\(folder.prompts == .none ? "" : " with prompts")")
        }
        let baseFile = try SafeTensors(url: baseModel.appendingPathComponent("model.safetensors"))
        let tokenizer = try folder.tokenizer(maxLength: recipe.maxLength)
        guard tokenizer.vocabularySize == config.vocabSize else {
            throw EmbeddingError.vocabularyMismatch(vocabulary: tokenizer.vocabularySize, model: config.vocabSize)
        }
        guard recipe.maxLength <= config.maxTokens else {
            throw FineTuneError.badSetting(name: "max-length", value: "\(recipe.maxLength)", expected: "at most \(config.maxTokens) (the positions max_position_embeddings \(config.maxPositionEmbeddings) leaves a text)")
        }
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let ids = texts.map { tokenizer.encode($0) }
        let y = labels.map { classIndex[$0]! }

        // Held-out rows: a seeded shuffle, the first share.
        var order = Array(0..<texts.count)
        var splitRNG = SplitMix64(seed: recipe.seed ^ 0x5350_4C49_54)
        order.shuffle(using: &splitRNG)
        let validationCount = Int((recipe.validationFraction * Double(texts.count)).rounded())
        let validation = Array(order[0..<validationCount]).sorted()
        let training = Array(order[validationCount...]).sorted()
        guard !training.isEmpty, recipe.validationFraction == 0 || !validation.isEmpty else {
            throw FineTuneError.tooFewRows(training: training.count, validation: validation.count)
        }

        // Each epoch's order of the training rows (seeded), drawn up front so the estimate knows the largest batch.
        // The contrastive objective needs rows of a label together in a batch: groups of them, shuffled.
        let epochOrders = (1...recipe.epochs).map { epoch in
            let seed = recipe.seed &+ UInt64(epoch) &* 0x9E37_79B9
            if recipe.objective == .contrastive {
                return ContrastiveBatches.order(training, label: { y[$0] }, groupSize: recipe.contrastiveGroup, seed: seed)
            }
            var epochRNG = SplitMix64(seed: seed)
            var shuffled = training
            shuffled.shuffle(using: &epochRNG)
            return shuffled
        }
        var largestBatch: [Int] = [], largestTokens = 0
        for order in epochOrders {
            for start in stride(from: 0, to: order.count, by: recipe.batchSize) {
                let lengths = order[start..<min(order.count, start + recipe.batchSize)].map { ids[$0].count }
                let tokens = lengths.reduce(0, +)
                if tokens > largestTokens { (largestBatch, largestTokens) = (lengths, tokens) }
            }
        }
        estimated(FineTuneEstimate(config: config, classes: classes.count, tokenCounts: training.map { ids[$0].count },
                                   largestBatch: largestBatch, recipe: recipe, threads: BLASThreads.count))
        let parameters = EncoderParameters(config: config, classes: classes.count)
        try parameters.load(from: baseFile)
        parameters.initialiseHead(seed: recipe.seed)
        let stepsPerEpoch = (training.count + recipe.batchSize - 1) / recipe.batchSize
        let totalSteps = stepsPerEpoch * recipe.epochs

        let checkpoint = FineTuneCheckpoint(folder: Self.checkpointFolder(for: output),
                                            fingerprint: fingerprint(texts: texts, labels: labels, classes: classes, baseSHA: baseFile.sha256()))
        // Copied and hashed: the base weights need not stay resident (the output folder re-reads what training leaves alone).
        baseFile.releaseResidentPages()
        var history: [EpochSummary] = []
        var best: (epoch: Int, accuracy: Double) = (0, -1)
        var resumedAfter: Int?
        // Gradients, AdamW's moments and the activations live in this block only: they are freed
        // before the best epoch's weights are read back and the output is written.
        do {
            let gradients = EncoderParameters(zerosLike: parameters)
            var optimizer = AdamW(like: parameters, weightDecay: recipe.weightDecay, headLearningRateMultiplier: recipe.headLearningRateMultiplier)
            if resume, let state = try checkpoint.restore(parameters: parameters, optimizer: &optimizer) {
                history = state.history
                best = (state.bestEpoch, state.bestAccuracy)
                resumedAfter = state.history.count
            } else {
                checkpoint.remove()
            }

            let pass = EncoderTrainingPass(parameters: parameters, dropout: recipe.dropout)
            for epoch in stride(from: history.count + 1, through: recipe.epochs, by: 1) {
                let shuffled = epochOrders[epoch - 1]
                let start = Date()
                var lossSum = 0.0
                for s in 0..<stepsPerEpoch {
                    let batch = Array(shuffled[(s * recipe.batchSize)..<min(shuffled.count, (s + 1) * recipe.batchSize)])
                    let globalStep = (epoch - 1) * stepsPerEpoch + s
                    let sequences = batch.map { ids[$0] }, batchLabels = batch.map { y[$0] }
                    let dropoutSeed = recipe.seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(globalStep)
                    let out = switch recipe.objective {
                    case .softmax: pass.run(sequences, labels: batchLabels, gradients: gradients, dropoutSeed: dropoutSeed)
                    case .contrastive:
                        pass.run(sequences, objective: ContrastiveObjective(labels: batchLabels, scale: recipe.contrastiveScale),
                                 gradients: gradients, dropoutSeed: dropoutSeed)
                    }
                    lossSum += out.loss ?? 0
                    let clip = AdamW.clipFactor(norm: AdamW.gradientNorm(gradients), maxNorm: recipe.clipNorm)
                    let lr = recipe.learningRate * recipe.learningRateFactor(step: globalStep, total: totalSteps)
                    optimizer.update(parameters, gradients: gradients, learningRate: lr, gradientScale: clip)
                    let elapsed = max(Date().timeIntervalSince(start), 1e-9)
                    let done = min(shuffled.count, (s + 1) * recipe.batchSize)
                    let rate = Double(done) / elapsed
                    let remaining = Double(shuffled.count - done + (recipe.epochs - epoch) * shuffled.count) / max(rate, 1e-9)
                    progress(Progress(epoch: epoch, epochs: recipe.epochs, step: s + 1, steps: stepsPerEpoch,
                                      loss: lossSum / Double(s + 1), samplesPerSecond: rate, etaSeconds: remaining))
                }
                let seconds = Date().timeIntervalSince(start)
                var accuracy: Double?
                if !validation.isEmpty {
                    let still = EncoderTrainingPass(parameters: parameters, dropout: 0)
                    switch recipe.objective {
                    case .softmax:
                        accuracy = Self.accuracy(pass: still, sequences: validation.map { ids[$0] }, labels: validation.map { y[$0] }, batch: recipe.batchSize)
                    case .contrastive:
                        accuracy = Self.centroidAccuracy(training: Self.unitEmbeddings(pass: still, sequences: training.map { ids[$0] }, batch: recipe.batchSize),
                                                         labels: training.map { y[$0] },
                                                         validation: Self.unitEmbeddings(pass: still, sequences: validation.map { ids[$0] }, batch: recipe.batchSize),
                                                         validationLabels: validation.map { y[$0] }, classes: classes.count)
                    }
                }
                let summary = EpochSummary(epoch: epoch, loss: lossSum / Double(stepsPerEpoch), validationAccuracy: accuracy,
                                           seconds: seconds, samplesPerSecond: Double(training.count) / seconds)
                history.append(summary)
                // Best epoch: the highest validation accuracy (ties: the earlier), or the last without validation.
                let isBest = accuracy.map { $0 > best.accuracy } ?? true
                if isBest { best = (epoch, accuracy ?? 0) }
                try checkpoint.save(parameters: parameters, optimizer: optimizer, history: history,
                                    bestEpoch: best.epoch, bestAccuracy: best.accuracy, isBest: isBest)
                epochFinished(summary)
            }
        }

        // The last epoch's weights are in `parameters`; an earlier best epoch's come back from its checkpoint.
        if best.epoch != history.last?.epoch { _ = try checkpoint.restoreBest(into: parameters) }
        if recipe.objective == .contrastive {
            try fitHead(parameters, sequences: training.map { ids[$0] }, labels: training.map { y[$0] })
        }
        let report = Report(epochs: history, bestEpoch: best.epoch, labels: classes, trainingRows: training.count,
                            validationRows: validation.count, resumedAfterEpoch: resumedAfter, threads: BLASThreads.count,
                            output: output.path, recipe: recipe)
        try FineTunedModelFolder.write(parameters, labels: classes, report: report, baseModel: baseModel, baseFile: baseFile, to: output)
        checkpoint.remove()
        return report
    }

    /// Share of `sequences` whose arg-max logit is the label (dropout off), in batches of `batch`
    /// (the training batch: its activations then take no more memory than a training step's).
    static func accuracy(pass: EncoderTrainingPass, sequences: [[Int32]], labels: [Int], batch: Int) -> Double {
        var correct = 0
        let C = pass.parameters.classes
        var start = 0
        while start < sequences.count {
            let end = min(sequences.count, start + batch)
            let logits = pass.run(Array(sequences[start..<end])).logits
            for i in 0..<(end - start) {
                let row = logits[(i * C)..<((i + 1) * C)]
                if row.indices.max(by: { row[$0] < row[$1] })! - i * C == labels[start + i] { correct += 1 }
            }
            start = end
        }
        return Double(correct) / Double(max(1, sequences.count))
    }

    /// The rows of `sequences` mean-pooled (dropout off) and scaled to unit length, `[n x hidden]`.
    static func unitEmbeddings(pass: EncoderTrainingPass, sequences: [[Int32]], batch: Int) -> Matrix {
        var rows: [Float] = []
        for start in stride(from: 0, to: sequences.count, by: batch) {
            rows += pass.run(Array(sequences[start..<min(sequences.count, start + batch)]), objective: SoftmaxHeadObjective(labels: nil)).pooled
        }
        return Normalization.normalizedRows(Matrix(rows: sequences.count, cols: pass.parameters.config.hiddenSize, storage: rows))
    }

    /// Share of validation rows whose nearest class centroid (mean of the class's unit training
    /// rows, by cosine) is their label: how the contrastive objective's epochs are compared.
    static func centroidAccuracy(training: Matrix, labels: [Int], validation: Matrix, validationLabels: [Int], classes: Int) -> Double {
        var centroids = Matrix(rows: classes, cols: training.cols)
        for r in 0..<training.rows { for t in 0..<training.cols { centroids[labels[r], t] += training[r, t] } }
        let scores = GEMM.multiplyTransposed(validation, Normalization.normalizedRows(centroids))
        var correct = 0
        for r in 0..<validation.rows {
            var best = 0
            for c in 1..<classes where scores[r, c] > scores[r, best] { best = c }
            if best == validationLabels[r] { correct += 1 }
        }
        return Double(correct) / Double(max(1, validation.rows))
    }

    /// After the contrastive objective: a logistic head (`SoftmaxRegression`, λ `recipe.headLambda`)
    /// fitted on the training rows' unit embeddings under the final weights, written into the
    /// parameters' head (`FineTunedHead` then normalises what it reads, as its metadata says).
    func fitHead(_ parameters: EncoderParameters, sequences: [[Int32]], labels: [Int]) throws {
        let x = Self.unitEmbeddings(pass: EncoderTrainingPass(parameters: parameters, dropout: 0), sequences: sequences, batch: recipe.batchSize)
        let h = x.cols, c = parameters.classes
        let fit: SoftmaxRegression.Fit
        do { fit = try SoftmaxRegression(lambda: recipe.headLambda).fit(x, classes: c, y: labels) } catch {
            throw FineTuneError.headFitFailed(reason: "\(error)")
        }
        for k in 0..<c {
            for t in 0..<h { parameters.values[parameters.headWeight + k * h + t] = fit.weights[t * c + k] }
            parameters.values[parameters.headBias + k] = fit.weights[h * c + k]
        }
    }

    /// What must match for a checkpoint to be resumed: data, labels, base weights, recipe.
    func fingerprint(texts: [String], labels: [String], classes: [String], baseSHA: String) -> String {
        let hasher = SHA256Hasher()
        for (t, l) in zip(texts, labels) { hasher.update(Data((t + "\u{1F}" + l + "\u{1E}").utf8)) }
        hasher.update(Data(classes.joined(separator: "\u{1F}").utf8))
        hasher.update(Data(baseSHA.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        hasher.update((try? encoder.encode(recipe)) ?? Data())
        return hasher.finalizeHex()
    }
}

// Workspace+LearningCurve: each technique's accuracy against labelled examples per label, on stratified draws of the stored rows.
public import Foundation
public import TextEmbedding
import LinearAlgebra
import VectorSearch

extension Workspace {
    /// The techniques a learning curve measures by default: the ones that train in seconds.
    public static let curveTechniques: [OfflineClassifier.Method] = [.zeroShot, .knn, .head]

    /// The fine-tuning recipe of a curve's fine-tuned points: the default one for `objective` with
    /// no held-out share (a draw of 2 rows per label has none to spare), so the last epoch is kept.
    public static func curveFineTuning(objective: FineTuneRecipe.Objective = .softmax) -> FineTuneRecipe {
        var recipe = FineTuneRecipe(objective: objective)
        recipe.validationFraction = 0
        return recipe
    }

    /// The draws of a learning curve over the stored labelled rows: for each count of
    /// `examplesPerLabel` (nil: every row), smallest first and every row last, `seeds` stratified
    /// draws (`StratifiedDraw`, seeds 0, 1, ...), or one where the count reaches every label's rows,
    /// since all draws would be equal. Each holds its rows' base vectors as a searchable store.
    public func curveDraws(examplesPerLabel: [Int?], seeds: Int) throws -> [CurveDraw] {
        try curveDraws(of: snapshot, examplesPerLabel: examplesPerLabel, seeds: seeds)
    }

    /// `curveDraws(examplesPerLabel:seeds:)` of one snapshot (the one whose texts are fine-tuned on).
    func curveDraws(of s: Snapshot, examplesPerLabel: [Int?], seeds: Int) throws -> [CurveDraw] {
        precondition(seeds >= 1 && examplesPerLabel.allSatisfy { $0.map { $0 >= 1 } ?? true }, "at least one seed and one row per label")
        let (vectors, labels) = try s.store.labelledVectors()
        var largest: [String: Int] = [:]
        for label in labels.compactMap({ $0 }) { largest[label, default: 0] += 1 }
        guard let mostRows = largest.values.max() else { throw ClassificationError.noLabels(index: location) }
        return LearningCurve.ordered(examplesPerLabel).flatMap { perLabel in
            (0..<(perLabel.map { $0 < mostRows } ?? false ? seeds : 1)).map { seed in
                let draw = StratifiedDraw(labels: labels, perLabel: perLabel, seed: UInt64(seed))
                let drawn = Matrix(rows: draw.rows.count, cols: vectors.cols, storage: draw.rows.flatMap { vectors.row($0) })
                return CurveDraw(perLabel: perLabel, seed: seed, draw: draw, labels: draw.rows.map { labels[$0]! }, vectors: drawn,
                                 embedderIdentifier: s.store.embedderIdentifier,
                                 location: "\(LearningCurve.name(perLabel: perLabel)) of \(location) (seed \(seed))")
            }
        }
    }

    /// Measures `methods` on labelled `rows` (the evaluation set) with only some of the stored
    /// labelled rows: for each count of `examplesPerLabel` (nil: every row; measured from the
    /// smallest, every row last), `seeds` stratified draws (`StratifiedDraw`, seeds 0, 1, ...; one
    /// draw where the count reaches every label's rows, since all draws would be equal). Every
    /// technique of a draw sees the same rows: they are the neighbours that vote, the labels
    /// zero-shot chooses among, what the head trains on (with the stored head's λ, else the
    /// default), and, for `finetuned` and `finetuned-blend`, what the encoder is fine-tuned on
    /// (`fineTuning`, then the drawn rows embedded with it are the neighbours: an index folder
    /// built with a sentence encoder, whose rows' texts these are). The evaluation rows are embedded
    /// once for the base techniques; a point's `seconds` is its training (and, fine-tuned, the
    /// embedding of the drawn and evaluation rows with the new encoder) and classifying. `progress`
    /// hears each point as it is measured, `fineTuningStarted` each fine-tuning before it runs.
    public func learningCurve(_ rows: [LabelledText], examplesPerLabel: [Int?], seeds: Int = 3, k: Int = 10,
                              methods: [OfflineClassifier.Method] = Workspace.curveTechniques,
                              fineTuning: FineTuneRecipe = Workspace.curveFineTuning(),
                              fineTuningStarted: (_ perLabel: Int?, _ seed: Int, _ rows: Int) -> Void = { _, _, _ in },
                              progress: (LearningCurve.Point) -> Void = { _ in }) throws -> LearningCurve {
        let s = snapshot
        let baseMethods = methods.filter { !$0.usesFineTunedEncoder }
        let fineTunedMethods = methods.filter(\.usesFineTunedEncoder)
        var texts: [String] = []
        if let first = fineTunedMethods.first {
            guard let folder = s.store as? FolderVectorStore, modelFolder != nil, embedder is SentenceEncoder else {
                throw ClassificationError.notInCurves(method: first.rawValue)
            }
            texts = LocalVectorStore(folder.index).liveTexts()
        }
        let lambda = s.headLambda ?? LinearHeadTrainer().lambda
        let embeddings = baseMethods.isEmpty ? Matrix(rows: 0, cols: 0) : try embedder.embed(rows.map(\.text), as: .query)
        let gold = rows.map { $0.label ?? "" }
        var curve = LearningCurve()
        for draw in try curveDraws(of: s, examplesPerLabel: examplesPerLabel, seeds: seeds) {
            func record(_ method: OfflineClassifier.Method, _ predictions: [Prediction], seconds: Double) throws {
                let point = try draw.point(technique: method.rawValue, gold: gold, predictions: predictions, seconds: seconds)
                curve.points.append(point)
                progress(point)
            }
            if !baseMethods.isEmpty {
                let retriever = try Retriever(embedder: embedder, store: draw.store)
                for method in baseMethods {
                    let start = Date()
                    let head = method == .head || method == .blend ? try LinearHeadTrainer(lambda: lambda).train(draw.vectors, labels: draw.labels).0 : nil
                    let predictions = try OfflineClassifier(retriever: retriever, head: head, k: k)
                        .classify(rows, embeddings: embeddings, methods: [method])[method]!
                    try record(method, predictions, seconds: Date().timeIntervalSince(start))
                }
            }
            if !fineTunedMethods.isEmpty {
                fineTuningStarted(draw.perLabel, draw.seed, draw.draw.rows.count)
                let start = Date()
                let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-curve-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: scratch) }
                let output = scratch.appendingPathComponent("model")
                _ = try EncoderFineTuner(recipe: fineTuning).train(texts: draw.draw.rows.map { texts[$0] }, labels: draw.labels,
                                                                   baseModel: modelFolder!, output: output)
                let encoder = try EncoderLoader.load(from: output)
                let store = InMemoryVectorStore(vectors: try encoder.embed(draw.draw.rows.map { texts[$0] }, as: .document), labels: draw.labels,
                                                embedderIdentifier: encoder.identifier, location: draw.store.location)
                let pooled = try encoder.encode(rows.map(\.text), as: .query, normalized: false)
                let normalized = Normalization.normalizedRows(pooled)
                let classifier = OfflineClassifier(retriever: try Retriever(embedder: encoder, store: store), head: nil,
                                                   fineTunedHead: try FineTunedHead.load(modelFolder: output), k: k)
                let shared = Date().timeIntervalSince(start)
                for method in fineTunedMethods {
                    let classifying = Date()
                    let predictions = try classifier.classify(rows, embeddings: normalized, pooled: pooled, methods: [method])[method]!
                    try record(method, predictions, seconds: shared + Date().timeIntervalSince(classifying))
                }
            }
        }
        return curve
    }
}

// Workspace: a store (an index folder or Milvus) and the embedder its rows were embedded with, as one value: build, add, search, prompt, classify, train, compare, verify.
public import Foundation
public import LinearAlgebra
public import TextEmbedding
public import VectorSearch
import Synchronization

/// The engine's entry point for a Swift program, the CLI and the server alike. A workspace holds
/// one committed state of a store (`WritableVectorStore`: an index folder, or a Milvus
/// collection) with the embedder its rows were embedded with, and the trained head when the
/// store keeps one. Reads see the state they started on; `add` and `trainHead` commit through the
/// store and switch to the new state; `refresh` picks up a state another process committed.
/// Embedding and the classifiers run here whichever store keeps the rows.
public final class Workspace: Sendable {
    public let embedder: any Embedder
    /// The model folder the embedder was loaded from (a sentence encoder), where a fine-tuned head may live.
    public let modelFolder: URL?
    /// The model's name: its folder's (all-MiniLM-L6-v2, all-mpnet-base-v2, a fine-tuned copy's), else
    /// the embedder's kind (`hashing`).
    public var modelName: String { modelFolder?.lastPathComponent ?? String(embedder.identifier.prefix { $0 != ":" }) }
    /// The softmax head saved beside a fine-tuned encoder, when the model folder has one.
    public let fineTunedHead: FineTunedHead?
    /// The IVF build of `Workspace.build(..., kind: .ivf)`; nil otherwise.
    public let ivfBuildReport: IVFIndex.BuildReport?
    /// Seconds the IVF build took (k-means, lists, nprobe tuning); 0 without one.
    public let ivfBuildSeconds: Double
    /// What `Workspace.build(from:into:)` did into a remote store; nil otherwise.
    public let remoteBuildReport: RemoteBuildReport?
    private let current: Mutex<Snapshot>
    /// Writers in this process take turns (a store keeps other processes out: an index folder's lock file).
    let writing = Mutex(())
    /// The private temporary folder of `build(from:into: nil)`, removed with the workspace.
    private let ownedFolder: URL?

    /// Where the rows live, for messages: an index folder's path, a server's address and collection.
    public var location: String { snapshot.store.location }

    /// One committed state of the store and what is read from it.
    public struct Snapshot: Sendable {
        /// The rows, searched through the store's own indexes (an index folder's IVF part unless `exact`).
        public let store: any WritableVectorStore
        /// The trained linear head, when the store keeps one and it was trained on the rows as
        /// they are (nil when `headIsStale`).
        public let head: LinearHead?
        /// A head is stored but rows were deleted or replaced since it was trained: it is retrained
        /// before its next use, never used as it is.
        public let headIsStale: Bool
        /// Embeds queries and searches `store` exactly: what the classifiers, prompts and the
        /// comparison read (`Workspace.search` takes the store's approximate index unless asked).
        public let retriever: Retriever

        public var generation: Int { store.generation }
        public var count: Int { store.count }
        public var labels: [String] { store.labels }
        /// The λ the stored head was trained with (nil: no head was stored).
        public var headLambda: Double? { store.settings["head.lambda"].flatMap(Double.init) }
    }

    /// Opens the index in `folder` with the embedder it was built with (checked against the manifest).
    public convenience init(opening folder: URL, embedder choice: EmbedderChoice = .automatic) throws {
        try self.init(store: try FolderVectorStore(opening: folder), embedder: choice)
    }

    /// Opens the rows of `store` with the embedder they were embedded with (checked).
    public convenience init(store: any WritableVectorStore, embedder choice: EmbedderChoice = .automatic) throws {
        let (embedder, modelFolder) = try choice.make(forIdentifier: store.embedderIdentifier, dimension: store.dimension)
        try self.init(store: store, embedder: embedder, modelFolder: modelFolder)
    }

    init(store: any WritableVectorStore, embedder: any Embedder, modelFolder: URL?, ownedFolder: URL? = nil,
         ivfReport: IVFIndex.BuildReport? = nil, ivfSeconds: Double = 0, remoteReport: RemoteBuildReport? = nil) throws {
        self.embedder = embedder
        self.modelFolder = modelFolder
        self.ownedFolder = ownedFolder
        ivfBuildReport = ivfReport
        ivfBuildSeconds = ivfSeconds
        remoteBuildReport = remoteReport
        fineTunedHead = try Self.fineTunedHead(in: modelFolder)
        current = Mutex(try Self.snapshot(store, embedder: embedder))
    }

    deinit {
        if let ownedFolder {
            try? FileManager.default.removeItem(at: ownedFolder)
            TemporaryFolders.shared.forget(ownedFolder)
        }
    }

    private static func fineTunedHead(in modelFolder: URL?) throws -> FineTunedHead? {
        try modelFolder.flatMap { folder in
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(EncoderFineTuner.headFileName).path)
                ? try FineTunedHead.load(modelFolder: folder) : nil
        }
    }

    static func snapshot(_ store: any WritableVectorStore, embedder: any Embedder) throws -> Snapshot {
        let head = try LinearHead.load(from: store)
        let stale = head != nil && store.settings[LinearHead.staleSetting] != nil
        return Snapshot(store: store, head: stale ? nil : head, headIsStale: stale,
                        retriever: try Retriever(embedder: embedder, store: store, exact: true))
    }

    /// The state reads run on now.
    public var snapshot: Snapshot { current.withLock { $0 } }

    /// Switches to the state committed now when it is newer than the one held (another process ran
    /// `rag index add`, say). Returns whether it switched.
    @discardableResult
    public func refresh() throws -> Bool {
        let held = snapshot.store
        guard try held.committedGeneration() != held.generation else { return false }
        return try adopt(try held.reopened())
    }

    /// Switches to `store` unless the state held is as new or newer.
    @discardableResult
    func adopt(_ store: any WritableVectorStore) throws -> Bool {
        guard store.generation != snapshot.generation else { return false }
        let next = try Self.snapshot(store, embedder: embedder)
        return current.withLock { held in
            guard next.generation > held.generation else { return false }
            held = next
            return true
        }
    }

    // MARK: Building and adding

    /// The kind of index `build` writes.
    public enum Kind: String, Sendable, CaseIterable {
        /// Exact search only.
        case flat
        /// Also inverted lists (k-means on the rows): faster search of large indexes.
        case ivf
    }

    /// Embeds every row of `dataset` and writes a new index into `folder` (replacing one there only
    /// once complete), or into a private temporary folder removed with the workspace when `folder` is nil.
    /// With `vectors: .int8` (or `.f16`, `.bf16`) the scan reads 8-bit codes (16-bit floats)
    /// beside the float32 rows (and beside the IVF lists' vectors with `kind: .ivf`), then rescores exactly.
    public static func build(from dataset: Dataset, into folder: URL? = nil, embedder choice: EmbedderChoice = .automatic,
                             kind: Kind = .flat, nlist: Int? = nil, vectors: VectorEncoding = .f32, batchSize: Int = 256,
                             progress: IndexBuilder.Progress? = nil) throws -> Workspace {
        let (embedder, modelFolder) = try choice.make(for: nil)
        let target = folder ?? TemporaryFolders.shared.make()
        var report: IVFIndex.BuildReport?
        var seconds = 0.0
        // The IVF part trains on the vectors just written, before the commit: the index appears
        // with both parts or not at all.
        let trainParts: (IndexWriter) throws -> Void = { writer in
            let codes = vectors == .f32 ? nil : try QuantizedFlatIndex.build(in: writer, encoding: vectors)
            guard kind == .ivf else { return }
            let start = Date()
            report = try IVFIndex.build(in: writer, listCount: nlist, codes: codes)
            seconds = Date().timeIntervalSince(start)
        }
        do {
            try IndexBuilder(embedder: embedder, batchSize: batchSize).build(from: dataset, into: target, progress: progress, beforeCommit: trainParts)
            return try Workspace(store: try FolderVectorStore(opening: target), embedder: embedder, modelFolder: modelFolder,
                                 ownedFolder: folder == nil ? target : nil, ivfReport: report, ivfSeconds: seconds)
        } catch {
            if folder == nil { try? FileManager.default.removeItem(at: target) }
            throw error
        }
    }

    /// Embeds every row of `dataset` here and stores it in `remote` (a new store, or with `resume`
    /// the one an interrupted build left: rows already there are not embedded again), then has the
    /// store build its search `index` and load. Rows are upserted by row number, so a batch retried
    /// or stored twice stays once.
    public static func build(from dataset: Dataset, into remote: any RemoteVectorStore, embedder choice: EmbedderChoice = .automatic,
                             index: RemoteIndexKind = .flat, resume: Bool = false, batchSize: Int = 256,
                             progress: IndexBuilder.Progress? = nil) throws -> Workspace {
        let (embedder, modelFolder) = try choice.make(for: nil)
        let stored = try remote.beginBuild(embedderIdentifier: embedder.identifier, dimension: embedder.dimension, resume: resume)
        var storing = 0.0
        let start = Date()
        let read = try IndexBuilder(embedder: embedder, batchSize: batchSize).embed(dataset, skipping: stored, progress: progress) { vectors, docs in
            let t = Date()
            try remote.upsert(vectors, documents: docs)
            storing += Date().timeIntervalSince(t)
        }
        guard read.rows > 0 else { throw StoreError.emptyInput }
        let embedded = Date()
        try remote.commit(labels: read.labels, count: read.rows, index: index)
        let report = RemoteBuildReport(rows: read.rows, resumedFrom: stored, embeddingSeconds: embedded.timeIntervalSince(start) - storing,
                                       storingSeconds: storing, committingSeconds: Date().timeIntervalSince(embedded))
        return try Workspace(store: try remote.reopened(), embedder: embedder, modelFolder: modelFolder, remoteReport: report)
    }

    /// What `add` appended.
    public struct AddReport: Sendable {
        /// Rows appended.
        public var added: Int
        /// Rows in the index now.
        public var count: Int
        /// The generation committed (after compaction, when it ran).
        public var generation: Int
        /// What automatic compaction did, when the segments passed the policy's count.
        public var compaction: CompactionReport?
    }

    /// Embeds the rows of `dataset` and appends them (an index folder's IVF lists take them too) in one commit.
    @discardableResult
    public func add(_ dataset: Dataset, batchSize: Int = 256, compaction: CompactionPolicy = .standard,
                    progress: IndexBuilder.Progress? = nil) throws -> AddReport {
        try append(compaction: compaction) { write in
            try IndexBuilder(embedder: embedder, batchSize: batchSize).embed(dataset, firstRow: write.nextRow, progress: progress) { vectors, docs in
                try write.append(vectors, documents: docs)
            }
            write.parts?.addSource(Manifest.Source(csv: dataset.displayPath, textColumn: dataset.textColumn, labelColumn: dataset.labelColumn))
        }
    }

    /// Appends labelled texts (embedded now) in one commit; their source rows number on from the
    /// store's last. A text without an id (`ids` nil, or nil at its place) gets `api:<generation>:<i>`
    /// (the generation this commit makes); an id a live row holds is refused (`StoreError.duplicateID`).
    @discardableResult
    public func add(texts: [String], labels: [String?], ids: [String?]? = nil, compaction: CompactionPolicy = .standard) throws -> AddReport {
        precondition(texts.count == labels.count && (ids?.count ?? texts.count) == texts.count, "one label (or nil) and id per text")
        let vectors = try embedder.embed(texts, as: .document)
        return try append(compaction: compaction) { write in
            let first = write.nextRow, generation = snapshot.generation + 1
            try write.append(vectors, documents: zip(texts, labels).enumerated().map {
                Document(row: first + $0.offset, sourceRow: first + $0.offset, text: $0.element.0, label: $0.element.1,
                         id: ids?[$0.offset] ?? "api:\(generation):\($0.offset)")
            })
        }
    }

    /// One write appending rows through `body`, committed, and the workspace switched to it.
    private func append(compaction: CompactionPolicy, _ body: (any VectorStoreWrite) throws -> Void) throws -> AddReport {
        var before = 0
        let committed = try changeRows(appendingRows: true) { write in
            before = write.nextRow
            try body(write)
            return false
        }
        var report = AddReport(added: committed.count + committed.deletedCount - before, count: committed.count,
                               generation: committed.generation)
        if let done = try compactIfDue(compaction) {
            report.compaction = done
            report.generation = done.generation
        }
        return report
    }

    // MARK: Reading

    /// Unit-length embeddings of `texts` as `role` (`[texts.count x dimension]`; `.plain`: with the
    /// model's default prompt, as `SentenceTransformer.encode`).
    public func embed(_ texts: [String], as role: EmbeddingRole = .plain) throws -> Matrix { try embedder.embed(texts, as: role) }

    /// The model's own vectors of `texts` as `role`, as sentence-transformers returns them (unit
    /// length only when the model has a Normalize module): what `rag embed` and `/v1/embeddings` give.
    public func sentenceEmbeddings(_ texts: [String], as role: EmbeddingRole = .plain) throws -> Matrix {
        try embedder.sentenceEmbeddings(texts, as: role)
    }

    /// How `search` looks.
    public struct SearchOptions: Sendable, Equatable {
        /// IVF lists to probe (IVF indexes only; nil: the tuned value).
        public var nprobe: Int?
        /// Search every row exactly even when the index has an IVF part.
        public var exact: Bool
        /// Skip a stored row whose text is the query's own.
        public var excludeSelf: Bool
        /// HNSW candidates per query (remote stores with an HNSW index; nil: the store's default).
        public var ef: Int?
        /// Only rows matching this (`bucket < 3 and src = "a"`): the top k among them, not fewer.
        public var filter: FilterExpression?
        /// Candidates per result kept from the codes before the exact rescoring (indexes with codes only; nil: the stored value).
        public var rescore: Int?

        public init(nprobe: Int? = nil, exact: Bool = false, excludeSelf: Bool = false, ef: Int? = nil, filter: FilterExpression? = nil,
                    rescore: Int? = nil) {
            self.rescore = rescore
            self.nprobe = nprobe
            self.exact = exact
            self.excludeSelf = excludeSelf
            self.ef = ef
            self.filter = filter
        }
    }

    /// The top-`k` stored rows of each text (IVF when the index has it, unless `options.exact`).
    public func search(_ texts: [String], k: Int, options: SearchOptions = SearchOptions()) throws -> [[Neighbour]] {
        guard !texts.isEmpty else { return [] }
        return try search(embeddings: try embedder.embed(texts, as: .query), texts: texts, k: k, options: options)
    }

    /// As `search`, from embeddings already computed.
    /// A remote store searches with its own index (`exact` does not apply; `nprobe` and `ef` pass through).
    public func search(embeddings: Matrix, texts: [String], k: Int, options: SearchOptions = SearchOptions()) throws -> [[Neighbour]] {
        let retriever = try Retriever(embedder: embedder, store: snapshot.store)
        return try retriever.retrieve(embeddings: embeddings, texts: texts, k: k, excludeSelf: options.excludeSelf,
                                      parameters: SearchParameters(nprobe: options.nprobe, ef: options.ef, exact: options.exact, filter: options.filter,
                                                                                 rescore: options.rescore))
    }

    /// The chat messages for `text`: the system prompt listing every category of the index, and the
    /// user message with the top `k` rows (or none when `k` is 0). The rows are the exact nearest
    /// ones, the same the classifiers vote with.
    public func prompt(for text: String, k: Int = 10, builder: PromptBuilder? = nil) throws -> [ChatMessage] {
        let builder = builder ?? PromptBuilder(categories: snapshot.labels)
        let neighbours = k > 0 ? try search([text], k: k, options: SearchOptions(exact: true))[0] : nil
        return builder.messages(for: text, neighbours: neighbours)
    }

    /// Predictions of `method` for `rows`, in row order (the rows' labels, when given, are the gold
    /// ones); with `filter`, only the stored rows it matches take part (`classifier(k:for:filter:)`).
    public func classify(_ rows: [LabelledText], method: OfflineClassifier.Method, k: Int = 10,
                         excludeSelf: Bool = false, filter: FilterExpression? = nil) throws -> [Prediction] {
        try classifier(k: k, for: [method], filter: filter).classify(rows, methods: [method], excludeSelf: excludeSelf)[method]!
    }

    /// Predictions of `method` for bare texts (rows numbered from 0, no gold labels).
    public func classify(texts: [String], method: OfflineClassifier.Method, k: Int = 10,
                         filter: FilterExpression? = nil) throws -> [Prediction] {
        try classify(texts.enumerated().map { LabelledText(row: $0.offset, line: $0.offset + 2, text: $0.element, label: nil) },
                     method: method, k: k, filter: filter)
    }

    /// The offline classifier over the current generation; refuses methods whose parts are missing.
    /// With `filter`, only the stored rows it matches take part: they are the neighbours that vote,
    /// their labels the ones zero-shot and the fine-tuned head choose among, and a head is trained
    /// on them for this classifier (the stored head learnt from every row).
    public func classifier(k: Int = 10, for methods: [OfflineClassifier.Method] = [], filter: FilterExpression? = nil) throws -> OfflineClassifier {
        if let filter { return try classifier(k: k, for: methods, restrictedTo: filter) }
        let needsHead = methods.contains(where: { $0 == .head || $0 == .blend })
        if needsHead { try retrainStaleHead() }
        let s = snapshot
        if s.head == nil, needsHead, s.store.keepsParts { throw ClassificationError.noHead(index: location) }
        if fineTunedHead == nil, methods.contains(where: \.usesFineTunedEncoder) { throw ClassificationError.noFineTunedEncoder }
        // A store that keeps vectors only (a remote one): the head trains on its rows (default λ) for this call.
        let head = try s.head ?? (needsHead ? trainedHead() : nil)
        return OfflineClassifier(retriever: s.retriever, head: head, fineTunedHead: fineTunedHead, k: k)
    }

    private func classifier(k: Int, for methods: [OfflineClassifier.Method], restrictedTo filter: FilterExpression) throws -> OfflineClassifier {
        let s = snapshot
        if fineTunedHead == nil, methods.contains(where: \.usesFineTunedEncoder) { throw ClassificationError.noFineTunedEncoder }
        let (x, rowLabels) = try s.store.labelledVectors(matching: filter)
        let labels = LabelOrder.sorted(Array(Set(rowLabels.compactMap { $0 })))
        guard !labels.isEmpty else { throw ClassificationError.noRowsMatch(index: location) }
        var head: LinearHead?
        if methods.contains(where: { $0 == .head || $0 == .blend }) {
            let keep = rowLabels.indices.filter { rowLabels[$0] != nil }
            let labelled = keep.count == x.rows ? x : Matrix(rows: keep.count, cols: x.cols, storage: keep.flatMap { x.row($0) })
            head = try LinearHeadTrainer(lambda: s.headLambda ?? LinearHeadTrainer().lambda)
                .train(labelled, labels: keep.map { rowLabels[$0]! }).0
        }
        var classifier = OfflineClassifier(retriever: s.retriever, head: head, fineTunedHead: fineTunedHead, k: k)
        classifier.filter = filter
        classifier.candidateLabels = labels
        return classifier
    }

    /// Retrains a stale stored head (rows were deleted or replaced since it was trained) on the
    /// rows stored now with the λ it was trained with, and stores it; returns what it did, or nil
    /// when the head was not stale.
    @discardableResult
    public func retrainStaleHead() throws -> HeadReport? {
        let s = snapshot
        guard s.headIsStale else { return nil }
        let lambda = s.headLambda
        let iterations = s.store.settings["head.iterations.max"].flatMap(Int.init) ?? 300
        return try trainHead(lambda: lambda, maxIterations: iterations)
    }

    /// A linear head trained (default λ) on the stored labelled rows, not stored.
    private func trainedHead() throws -> LinearHead {
        let (x, labels) = try trainingData()
        return try LinearHeadTrainer().train(x, labels: labels).0
    }

    // MARK: Training

    /// What `trainHead` did.
    public struct HeadReport: Sendable {
        public var rows: Int
        public var labels: Int
        public var lambda: Double
        /// "given" or "3-fold cross-validation".
        public var lambdaSource: String
        /// Cross-validation accuracy per λ tried (empty when λ was given).
        public var crossValidation: [(lambda: Double, accuracy: Double)]
        public var training: LinearHeadTrainer.Report
        public var seconds: Double
    }

    /// Labelled embeddings to train on: `dataset` embedded now, or the index's stored labelled rows.
    public func trainingData(_ dataset: Dataset? = nil, progress: IndexBuilder.Progress? = nil) throws -> (Matrix, [String]) {
        guard let dataset else {
            let (all, rowLabels) = try snapshot.store.labelledVectors()
            let keep = rowLabels.indices.filter { rowLabels[$0] != nil }
            guard !keep.isEmpty else { throw ClassificationError.noLabels(index: location) }
            let labels = keep.map { rowLabels[$0]! }
            if keep.count == all.rows { return (all, labels) }
            return (Matrix(rows: keep.count, cols: all.cols, storage: keep.flatMap { all.row($0) }), labels)
        }
        var labelled = dataset
        labelled.requireLabels = true
        let (x, labels) = try labelled.embedAll(dimension: embedder.dimension, progress: progress) { try embedder.embed($0, as: .document) }
        return (x, labels.map { $0! })
    }

    /// Trains the linear head on `dataset` (or the index's rows) with `lambda`, or the λ 3-fold
    /// cross-validation picks, and commits it into the index as a new generation.
    @discardableResult
    public func trainHead(on dataset: Dataset? = nil, lambda: Double? = nil, maxIterations: Int = 300,
                          embeddingProgress: IndexBuilder.Progress? = nil,
                          crossValidationProgress: ((Int, Int) -> Void)? = nil) throws -> HeadReport {
        guard snapshot.store.keepsParts else { throw ClassificationError.headNeedsFolder(store: location) }
        let (x, labels) = try trainingData(dataset, progress: embeddingProgress)
        let start = Date()
        var chosen = lambda ?? 0, how = "given"
        var scores: [(lambda: Double, accuracy: Double)] = []
        if lambda == nil {
            let cv = LinearHeadCrossValidation(maxIterations: maxIterations)
            let result = try cv.select(x, labels: labels) { crossValidationProgress?($0, $1) }
            chosen = result.lambda
            scores = result.scores
            how = "\(cv.folds)-fold cross-validation"
        }
        let (head, report) = try LinearHeadTrainer(lambda: chosen, maxIterations: maxIterations).train(x, labels: labels)
        try writeParts { parts in
            try head.write(to: parts, settings: ["head.lambda": "\(chosen)", "head.lambda.source": how, "head.iterations": "\(report.iterations)",
                                                "head.rows": "\(x.rows)", "head.source": dataset?.displayPath ?? "index"])
        }
        return HeadReport(rows: x.rows, labels: head.labels.count, lambda: chosen, lambdaSource: how, crossValidation: scores,
                          training: report, seconds: Date().timeIntervalSince(start))
    }

    /// One write of parts and settings (no rows) through `body`, committed, and the workspace
    /// switched to it; refused by a store that keeps vectors only.
    public func writeParts(_ body: (IndexWriter) throws -> Void) throws {
        guard snapshot.store.keepsParts else { throw ClassificationError.headNeedsFolder(store: location) }
        try writing.withLock { _ in
            let write = try freshStore { try $0.beginWrite(appendingRows: false) }
            let committed: any WritableVectorStore
            do {
                guard let parts = write.parts else { preconditionFailure("a store that keeps parts gives a part writer") }
                try body(parts)
                committed = try write.commit()
            } catch {
                write.abandon()
                throw error
            }
            try adopt(committed)
        }
    }

    // MARK: Comparing and verifying

    /// The comparison table of the original experiment on labelled `rows`: the base rows (vote,
    /// zero-shot) and the linear head's rows from this workspace, and the fine-tuned rows from
    /// `fineTuned` (a workspace over an index built with a fine-tuned encoder) when given. Without a
    /// stored head, one is trained on the index's rows for this table only. `onNote` hears each
    /// note as it is made (they are also in the table's `notes`).
    /// With `filter`, only the stored rows it matches take part, in both workspaces (as
    /// `classifier(k:for:filter:)` says; the head is trained on them for this table).
    public func compare(_ rows: [LabelledText], k: Int = 10, fineTuned: Workspace? = nil, filter: FilterExpression? = nil,
                        onNote: (ComparisonTable.Note) -> Void = { _ in }) throws -> ComparisonTable {
        var table = ComparisonTable()
        func note(_ n: ComparisonTable.Note) { table.notes.append(n); onNote(n) }
        var techniques = ComparisonTable.baseTechniques
        let s = snapshot
        var classifier: OfflineClassifier
        if let filter {
            classifier = try self.classifier(k: k, for: techniques.map(\.method), filter: filter)
            note(.filtered(rows: try s.store.count(matching: filter)))
        } else {
            try retrainStaleHead()
            classifier = try self.classifier(k: k)
            if snapshot.head == nil {
                note(.headTrained)
                classifier = OfflineClassifier(retriever: s.retriever, head: try trainedHead(), k: k)
            }
        }
        let unknown = Set(rows.compactMap(\.label)).subtracting(classifier.candidateLabels ?? s.labels)
        if !unknown.isEmpty {
            note(.unknownLabels(unknown.sorted()))
        }
        var results = try classifier.classify(rows, methods: techniques.map(\.method))
        if let fineTuned {
            results.merge(try fineTuned.classifier(k: k, for: [.finetuned], filter: filter)
                .classify(rows, methods: ComparisonTable.fineTunedTechniques.map(\.method))) { a, _ in a }
            techniques = ComparisonTable.fineTunedTechniques + techniques
        }
        for t in techniques { try table.add(t.name, method: t.method.rawValue, predictions: results[t.method]!) }
        return table
    }

    /// Recomputes every file's SHA-256 of the index in `folder`, then (when all match) opens every
    /// part: flat vectors, documents, the IVF part and the head. `problems` is empty for a whole index.
    public static func verify(folder: URL) throws -> VerifyReport {
        try verify(checks: IndexStore.verify(folder: folder)) { try FolderVectorStore(opening: folder) }
    }

    /// The store's own checks; for a store that keeps parts, `Workspace.verify(folder:)`'s
    /// opening of the state committed now too.
    public func verify() throws -> VerifyReport {
        let held = snapshot.store
        guard held.keepsParts else { return VerifyReport(files: try held.verify(), openProblem: nil) }
        return try Self.verify(checks: held.verify(), opening: held.reopened)
    }

    /// `checks`, and when they all pass, the store `opening` gives opened whole with its head:
    /// checksums can match a part that is structurally wrong.
    private static func verify(checks: [IndexStore.FileCheck], opening: () throws -> any WritableVectorStore) -> VerifyReport {
        var report = VerifyReport(files: checks, openProblem: nil)
        guard report.ok else { return report }
        do {
            _ = try LinearHead.load(from: try opening())
        } catch {
            report.openProblem = error.localizedDescription
        }
        return report
    }
}

// FinetuneLocalCommand: `rag finetune local --csv TRAIN`: fit the linear head on frozen embeddings and store it in the index.
import ArgumentParser
import Foundation
import RAG
import VectorSearch

struct FinetuneLocalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Train a linear head (multinomial logistic regression) on the embeddings and save it in the index.",
        discussion: "With --csv, the rows of that file are embedded and used; without, the index's own stored vectors and labels."
    )

    @Option(help: "Training CSV (default: the vectors and labels already in the index).")
    var csv: String?

    @Option(help: "L2 penalty λ (sklearn's C = 1/λ).")
    var lambda: Double = 0.02

    @Option(help: "Most optimisation steps.")
    var maxIterations: Int = 300

    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func run() throws {
        let store = try index.open()
        let (x, labels) = try TrainingData.load(csv: csv, columns: columns, store: store, embedding: embedding)
        let start = Date()
        let (head, report) = try LinearHeadTrainer(lambda: lambda, maxIterations: maxIterations).train(x, labels: labels)
        let writer = try IndexWriter(updating: store, appendingRows: false)
        try head.write(to: writer, settings: ["head.lambda": "\(lambda)", "head.iterations": "\(report.iterations)",
                                             "head.rows": "\(x.rows)", "head.source": csv ?? "index"])
        try writer.commit()
        print(String(format: "trained head on %d rows, %d labels: %d steps, loss %.4f, training accuracy %.4f, %.1f s; saved in %@",
                     x.rows, head.labels.count, report.iterations, report.loss, report.trainingAccuracy,
                     Date().timeIntervalSince(start), index.path))
    }
}

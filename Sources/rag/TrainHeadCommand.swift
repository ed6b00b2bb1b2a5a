// TrainHeadCommand: `rag train head`: multinomial logistic regression on frozen embeddings, saved in the index.
import ArgumentParser
import Foundation
import RAG

struct TrainHeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Train a linear head on the frozen embeddings (of --csv, else the index's stored vectors) and save it in the index.",
        discussion: """
        Multinomial logistic regression with an L2 penalty (λ; scikit-learn's C = 1/λ), chosen by 3-fold cross-validation unless \
        --lambda is given. Classify with it: `rag classify --method head`.
        """
    )

    @Option(help: "Training CSV (default: the rows already in the index).")
    var csv: String?

    @Option(help: "L2 penalty λ (sklearn's C = 1/λ); default: chosen by 3-fold cross-validation among 0.01, 0.03, 0.1, 0.3, 1.")
    var lambda: Double?

    @Option(help: "Most optimisation steps.")
    var maxIterations: Int = 300

    @OptionGroup var columns: CSVOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func run() throws {
        let workspace = try embedding.workspace(index: index)
        let dataset = csv.map { Dataset(url: URL(fileURLWithPath: $0), textColumn: columns.textColumn, labelColumn: columns.labelColumn) }
        let embedding = csv.map { ProgressReporter("embedding \($0)", total: nil) }
        var cv: ProgressReporter?
        let report = try workspace.trainHead(on: dataset, lambda: lambda, maxIterations: maxIterations,
                                             embeddingProgress: embedding.map { e in { e.update($0) } },
                                             crossValidationProgress: { done, total in
                                                 if cv == nil { embedding?.finish(); cv = ProgressReporter("choosing λ by 3-fold cross-validation", total: total) }
                                                 cv?.update(done)
                                             })
        if let cv {
            cv.finish()
            Terminal.printError("cross-validation accuracy by λ: " + report.crossValidation.map { String(format: "%g %.4f", $0.lambda, $0.accuracy) }.joined(separator: ", "))
        } else {
            embedding?.finish()
        }
        print(String(format: "trained head on %d rows, %d labels: λ %g (%@), %d steps, loss %.4f, training accuracy %.4f, %.1f s; saved in %@",
                     report.rows, report.labels, report.lambda, report.lambdaSource, report.training.iterations, report.training.loss,
                     report.training.trainingAccuracy, report.seconds, index.path))
    }
}

// SplitCommand: `rag split`: one CSV into train and test files, the rows scikit-learn's train_test_split picks.
import ArgumentParser
import Foundation
import RAG

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split one CSV into train and test files exactly as scikit-learn's train_test_split does.",
        discussion: """
        The same rows, in the same order, as train_test_split(df, test_size=…, random_state=…[, stratify=df[COLUMN]]) \
        with scikit-learn (NumPy's legacy RandomState permutation, drawn for draw), so results compare with a notebook \
        that split the same file. The header and every column are kept; fields are quoted only where needed.
        """
    )

    @Option(help: "The CSV to split (with a header row).")
    var csv: String

    @Option(help: "Share of rows for the test file (0 < share < 1), or a whole number of rows (e.g. 500).")
    var testSize: String = "0.25"

    @Option(help: "Seed of the shuffle (scikit-learn's random_state).")
    var randomState: UInt32 = 0

    @Option(help: "Keep each value's share of this column in both files (scikit-learn's stratify).")
    var stratify: String?

    @Option(help: "Output file for the training rows.")
    var train: String = "train.csv"

    @Option(help: "Output file for the test rows.")
    var test: String = "test.csv"

    func run() throws {
        let size: TrainTestSplit.TestSize
        if let count = Int(testSize) {
            size = .count(count)
        } else if let share = Double(testSize) {
            size = .fraction(share)
        } else {
            throw ValidationError("--test-size \(testSize) is neither a share such as 0.2 nor a row count such as 500")
        }
        let summary = try TrainTestSplit.splitFile(URL(fileURLWithPath: csv), testSize: size, randomState: randomState,
                                                   stratifyColumn: stratify, train: URL(fileURLWithPath: train), test: URL(fileURLWithPath: test))
        print("split \(summary.rows) rows of \(csv): \(summary.trainRows) to \(train), \(summary.testRows) to \(test)")
    }
}

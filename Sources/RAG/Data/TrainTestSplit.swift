// TrainTestSplit: scikit-learn's train_test_split(test_size, random_state[, stratify]) row for row.
import Foundation

/// The rows scikit-learn's `train_test_split(X, test_size=…, random_state=…, shuffle=True[, stratify=y])`
/// puts in train and in test, in the order it returns them (ShuffleSplit, or StratifiedShuffleSplit
/// with `_approximate_mode`), drawn from NumPy's legacy RandomState so the indices are equal.
public struct TrainTestSplit: Sendable, Equatable {
    public var train: [Int]
    public var test: [Int]

    /// `test_size` as scikit-learn takes it: a share in (0, 1) or a row count.
    public enum TestSize: Sendable, Equatable {
        case fraction(Double)
        case count(Int)
    }

    public enum SplitError: Error, LocalizedError, Equatable {
        case badTestSize(String)
        case stratify(String)
        public var errorDescription: String? {
            switch self {
            case .badTestSize(let s), .stratify(let s): return s
            }
        }
    }

    /// `n_train, n_test` as `_validate_shuffle_split` computes them.
    public static func sizes(rows n: Int, testSize: TestSize) throws -> (train: Int, test: Int) {
        let nTest: Int
        switch testSize {
        case .fraction(let f):
            guard f > 0, f < 1 else { throw SplitError.badTestSize("test size \(f) should be a share between 0 and 1 (exclusive) or a whole number of rows") }
            nTest = Int((f * Double(n)).rounded(.up))
        case .count(let c):
            guard c > 0, c < n else { throw SplitError.badTestSize("test size \(c) should be at least 1 and smaller than the \(n) rows") }
            nTest = c
        }
        let nTrain = n - nTest
        guard nTrain > 0 else {
            throw SplitError.badTestSize("with \(n) rows and test size \(testSize), the train set would be empty; adjust the test size")
        }
        return (nTrain, nTest)
    }

    public init(rows n: Int, testSize: TestSize, randomState seed: UInt32, stratify labels: [String]? = nil) throws {
        let (nTrain, nTest) = try Self.sizes(rows: n, testSize: testSize)
        var rng = LegacyRandomState(seed: seed)
        guard let labels else {
            let permutation = rng.permutation(n)
            test = Array(permutation[0..<nTest])
            train = Array(permutation[nTest..<(nTest + nTrain)])
            return
        }
        precondition(labels.count == n)
        // np.unique orders by code point; argsort(kind="mergesort") keeps rows in order within a class.
        let classes = Array(Set(labels)).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var members = [[Int]](repeating: [], count: classes.count)
        for (row, label) in labels.enumerated() { members[classIndex[label]!].append(row) }
        let counts = members.map(\.count)
        guard counts.min()! >= 2 else {
            throw SplitError.stratify("the least populated label has only 1 row, which is too few: every label needs at least 2 rows to stratify")
        }
        guard nTrain >= classes.count else { throw SplitError.stratify("the train size \(nTrain) is smaller than the \(classes.count) labels") }
        guard nTest >= classes.count else { throw SplitError.stratify("the test size \(nTest) is smaller than the \(classes.count) labels") }
        let trainPerClass = Self.approximateMode(counts, draws: nTrain, rng: &rng)
        let remaining = zip(counts, trainPerClass).map { $0 - $1 }
        let testPerClass = Self.approximateMode(remaining, draws: nTest, rng: &rng)
        var train: [Int] = [], test: [Int] = []
        for c in 0..<classes.count {
            let permutation = rng.permutation(counts[c])
            let rows = permutation.map { members[c][$0] }
            train += rows[0..<trainPerClass[c]]
            test += rows[trainPerClass[c]..<(trainPerClass[c] + testPerClass[c])]
        }
        self.train = rng.permutation(train)
        self.test = rng.permutation(test)
    }

    /// scikit-learn's `_approximate_mode`: floors of the proportional shares, the rows still
    /// needed going to the largest remainders, ties broken by `rng.choice(…, replace=False)`.
    static func approximateMode(_ counts: [Int], draws: Int, rng: inout LegacyRandomState) -> [Int] {
        let total = Double(counts.reduce(0, +))
        let continuous = counts.map { Double($0) / total * Double(draws) }
        var floored = continuous.map { $0.rounded(.down) }
        var needToAdd = Int(Double(draws) - floored.reduce(0, +))
        if needToAdd > 0 {
            let remainder = zip(continuous, floored).map { $0 - $1 }
            for value in Set(remainder).sorted(by: >) {
                let indices = remainder.indices.filter { remainder[$0] == value }
                let addNow = min(indices.count, needToAdd)
                // choice(inds, size, replace=False) is permutation(len(inds))[:size].
                let chosen = rng.permutation(indices.count).prefix(addNow).map { indices[$0] }
                for i in chosen { floored[i] += 1 }
                needToAdd -= addNow
                if needToAdd == 0 { break }
            }
        }
        return floored.map { Int($0) }
    }
}

// ConfusionMatrix: gold-by-predicted counts over scikit-learn's sorted label union, written as CSV.

/// Counts of (gold, predicted) pairs, in scikit-learn's `confusion_matrix(y_true, y_pred)`
/// orientation: `counts[g][p]` is the number of rows whose gold label is `labels[g]` and whose
/// predicted label is `labels[p]`. Shape `[labels.count][labels.count]`.
public struct ConfusionMatrix: Sendable, Codable, Equatable {
    /// Row and column labels, shared; in Unicode code-point order when built from rows.
    public let labels: [String]
    /// `[labels.count][labels.count]`, gold rows x predicted columns.
    public let counts: [[Int]]

    /// One off-diagonal cell, as read out by `mostConfused(limit:)`.
    public struct Cell: Sendable, Equatable, Codable {
        public let gold: String
        public let predicted: String
        public let count: Int

        public init(gold: String, predicted: String, count: Int) {
            self.gold = gold
            self.predicted = predicted
            self.count = count
        }
    }

    /// Wraps counts computed elsewhere. Labels with an all-zero row and column are allowed: they
    /// behave like scikit-learn's explicit `labels=` argument naming a class that never occurs.
    public init(labels: [String], counts: [[Int]]) {
        precondition(counts.count == labels.count && counts.allSatisfy { $0.count == labels.count },
                     "confusion counts must be \(labels.count) x \(labels.count)")
        precondition(counts.allSatisfy { $0.allSatisfy { $0 >= 0 } }, "confusion counts must be non-negative")
        self.labels = labels
        self.counts = counts
    }

    /// Decodes and re-checks the shape, since a file, unlike a caller, can hand over anything.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let labels = try container.decode([String].self, forKey: .labels)
        let counts = try container.decode([[Int]].self, forKey: .counts)
        guard counts.count == labels.count, counts.allSatisfy({ $0.count == labels.count && $0.allSatisfy { $0 >= 0 } }) else {
            throw DecodingError.dataCorruptedError(forKey: .counts, in: container,
                                                   debugDescription: "counts must be \(labels.count) x \(labels.count), non-negative")
        }
        self.init(labels: labels, counts: counts)
    }

    private enum CodingKeys: String, CodingKey { case labels, counts }

    /// Counts paired rows over the sorted union of gold and predicted labels, like
    /// `confusion_matrix(y_true, y_pred)` with `labels=None`. Strings are compared as sklearn sees
    /// them (code points), so canonically equivalent spellings such as NFC and NFD "café" stay apart.
    public init(gold: [String], predicted: [String]) throws {
        let encoded = try LabelEncoding(gold: gold, predicted: predicted)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: encoded.labels.count),
                             count: encoded.labels.count)
        for (g, p) in zip(encoded.gold, encoded.predicted) {
            counts[g][p] += 1
        }
        self.init(labels: encoded.labels, counts: counts)
    }

    /// Number of rows counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Rows whose prediction equals the gold label (the trace).
    public var correct: Int { counts.indices.reduce(0) { $0 + counts[$1][$1] } }

    /// Row sums: how often each label is the gold label (sklearn's `support`).
    public var goldTotals: [Int] { counts.map { $0.reduce(0, +) } }

    /// Column sums: how often each label is predicted.
    public var predictedTotals: [Int] {
        var totals = [Int](repeating: 0, count: labels.count)
        for row in counts {
            for (p, n) in row.enumerated() { totals[p] += n }
        }
        return totals
    }

    /// The largest off-diagonal cells, count descending; ties keep label order (gold, then
    /// predicted) so the list is stable across runs.
    public func mostConfused(limit: Int = 20) -> [Cell] {
        mostConfusedIndices(limit: limit).map { Cell(gold: labels[$0.g], predicted: labels[$0.p], count: $0.n) }
    }

    /// `mostConfused` as row and column indices, for callers that need the cell's position.
    func mostConfusedIndices(limit: Int) -> [(g: Int, p: Int, n: Int)] {
        var cells: [(g: Int, p: Int, n: Int)] = []
        for (g, row) in counts.enumerated() {
            for (p, n) in row.enumerated() where p != g && n > 0 {
                cells.append((g, p, n))
            }
        }
        cells.sort { a, b in
            if a.n != b.n { return a.n > b.n }
            return a.g != b.g ? a.g < b.g : a.p < b.p
        }
        return Array(cells.prefix(max(0, limit)))
    }

    /// The matrix as CSV for pandas or a spreadsheet: a header `gold\predicted,<labels...>`, then
    /// one row per gold label. RFC 4180 quoting, LF line endings like the project's data files.
    public func csv() -> String {
        var out = ([#"gold\predicted"#] + labels.map(Self.csvField)).joined(separator: ",") + "\n"
        for (label, row) in zip(labels, counts) {
            out += ([Self.csvField(label)] + row.map(String.init)).joined(separator: ",") + "\n"
        }
        return out
    }

    /// RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled.
    package static func csvField(_ field: String) -> String {
        // Scalar-level test: "\r\n" is one Character in Swift, so `contains("\n")` would miss it.
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return field
        }
        return "\"" + field.replacingQuotes() + "\""
    }
}

private extension String {
    func replacingQuotes() -> String {
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            out.append(scalar)
            if scalar == "\"" { out.append(scalar) }
        }
        return String(out)
    }
}

/// Gold and predicted strings mapped to indices into their sorted label union: a port of
/// sklearn's `unique_labels`, which is Python's `sorted(set(y_true) | set(y_pred))`.
///
/// Python compares `str` by code point and treats two strings as equal only when their code
/// points are. Swift's `String` `==` and `<` use canonical equivalence instead, so labels are
/// keyed and ordered by their UTF-8 bytes, whose lexicographic order is code-point order.
struct LabelEncoding {
    /// The sorted union of gold and predicted labels.
    let labels: [String]
    /// `gold[i]` is the index in `labels` of row i's gold label.
    let gold: [Int]
    /// `predicted[i]` is the index in `labels` of row i's predicted label.
    let predicted: [Int]

    init(gold: [String], predicted: [String]) throws {
        guard gold.count == predicted.count else {
            throw EvaluationError.lengthMismatch(gold: gold.count, predicted: predicted.count)
        }
        guard !gold.isEmpty else { throw EvaluationError.empty }
        let goldKeys = gold.map { Array($0.utf8) }
        let predictedKeys = predicted.map { Array($0.utf8) }
        let sortedKeys = Set(goldKeys).union(predictedKeys).sorted { $0.lexicographicallyPrecedes($1) }
        var index: [[UInt8]: Int] = [:]
        for (i, key) in sortedKeys.enumerated() { index[key] = i }
        self.labels = sortedKeys.map { String(decoding: $0, as: UTF8.self) }
        self.gold = goldKeys.map { index[$0]! }
        self.predicted = predictedKeys.map { index[$0]! }
    }
}

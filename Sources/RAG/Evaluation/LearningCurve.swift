// LearningCurve: accuracy and macro-F1 of each technique against labelled examples per label, per seed, with what each point cost; its summary, CSV and JSON.
import Foundation

/// What `Workspace.learningCurve` measured: one point per technique, examples per label and seed.
/// Encodes as the JSON array of its points (`rag compare --curve-out`).
public struct LearningCurve: Sendable, Encodable, Equatable {
    public struct Point: Sendable, Codable, Equatable {
        /// `rag classify --method` name: `zero-shot`, `knn`, `head`, `blend`.
        public var technique: String
        /// Examples per label asked for; nil: every training row ("all" in JSON and CSV).
        public var perLabel: Int?
        public var seed: Int
        public var accuracy: Double
        public var macroF1: Double
        /// Wall time of the point: training (a head) and classifying the evaluation rows.
        public var seconds: Double
        /// Training rows drawn.
        public var rows: Int
        /// Labels that had fewer rows than asked, with how many they gave.
        public var cappedLabels: [String: Int]

        enum CodingKeys: String, CodingKey {
            case technique, perLabel = "per_label", seed, accuracy, macroF1 = "macro_f1", seconds, rows, cappedLabels = "capped_labels"
        }

        public init(technique: String, perLabel: Int?, seed: Int, accuracy: Double, macroF1: Double, seconds: Double,
                    rows: Int, cappedLabels: [String: Int]) {
            self.technique = technique
            self.perLabel = perLabel
            self.seed = seed
            self.accuracy = accuracy
            self.macroF1 = macroF1
            self.seconds = seconds
            self.rows = rows
            self.cappedLabels = cappedLabels
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            technique = try c.decode(String.self, forKey: .technique)
            if let n = try? c.decode(Int.self, forKey: .perLabel) {
                perLabel = n
            } else if try c.decode(String.self, forKey: .perLabel) == "all" {
                perLabel = nil
            } else {
                throw DecodingError.dataCorruptedError(forKey: .perLabel, in: c, debugDescription: "per_label is a number or \"all\"")
            }
            seed = try c.decode(Int.self, forKey: .seed)
            accuracy = try c.decode(Double.self, forKey: .accuracy)
            macroF1 = try c.decode(Double.self, forKey: .macroF1)
            seconds = try c.decode(Double.self, forKey: .seconds)
            rows = try c.decode(Int.self, forKey: .rows)
            cappedLabels = try c.decode([String: Int].self, forKey: .cappedLabels)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(technique, forKey: .technique)
            if let perLabel { try c.encode(perLabel, forKey: .perLabel) } else { try c.encode("all", forKey: .perLabel) }
            try c.encode(seed, forKey: .seed)
            try c.encode(accuracy, forKey: .accuracy)
            try c.encode(macroF1, forKey: .macroF1)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(rows, forKey: .rows)
            try c.encode(cappedLabels, forKey: .cappedLabels)
        }
    }

    /// The points of one technique at one number of examples per label, over the seeds.
    public struct Summary: Sendable, Equatable {
        public var technique: String
        public var perLabel: Int?
        public var seeds: Int
        public var accuracy: Double, accuracyMin: Double, accuracyMax: Double
        /// Sample standard deviation over the seeds (0 for one seed).
        public var accuracySD: Double
        public var macroF1: Double, macroF1SD: Double
        public var seconds: Double
        public var rows: Double
    }

    public var points: [Point] = []

    public init(points: [Point] = []) { self.points = points }

    /// Why a list of counts (`rag compare --curve`) was refused.
    public enum CountsError: Error, LocalizedError, Equatable {
        case notACount(part: String, in: String)
        case repeated(part: String, in: String)

        public var errorDescription: String? {
            switch self {
            case .notACount(let part, let text):
                return "\"\(part)\" is not a count of rows per label (a whole number from 1, or all), in \"\(text)\""
            case .repeated(let part, let text):
                return "\(part) is given twice in \"\(text)\""
            }
        }
    }

    /// `"2,4,8,all"` as counts of rows per label (nil: all), in the order given; spaces around a
    /// count are allowed, an empty, non-positive, non-numeric or repeated one is refused.
    public static func examplesPerLabel(parsing text: String) throws -> [Int?] {
        var out: [Int?] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let count: Int?
            if part.lowercased() == "all" {
                count = nil
            } else if let n = Int(part), n >= 1 {
                count = n
            } else {
                throw CountsError.notACount(part: part, in: text)
            }
            if out.contains(count) { throw CountsError.repeated(part: part, in: text) }
            out.append(count)
        }
        return out
    }

    /// Counts of rows per label from the smallest, nil ("all") last: the order a curve is measured and shown in.
    public static func ordered(_ counts: [Int?]) -> [Int?] { counts.sorted { ($0 ?? .max) < ($1 ?? .max) } }

    /// How a count reads in tables and messages: `8 per label`, `all rows`.
    public static func name(perLabel: Int?) -> String { perLabel.map { "\($0) per label" } ?? "all rows" }

    /// Examples per label measured, each once, in `ordered` order.
    public var perLabelValues: [Int?] {
        var out: [Int?] = []
        for p in points where !out.contains(p.perLabel) { out.append(p.perLabel) }
        return Self.ordered(out)
    }

    /// Techniques in the order measured.
    public var techniques: [String] {
        var out: [String] = []
        for p in points where !out.contains(p.technique) { out.append(p.technique) }
        return out
    }

    /// Means over the seeds, technique by technique, point by point.
    public var summaries: [Summary] {
        var out: [Summary] = []
        for t in techniques {
            for n in perLabelValues {
                let ps = points.filter { $0.technique == t && $0.perLabel == n }
                guard !ps.isEmpty else { continue }
                func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
                func sd(_ v: [Double]) -> Double {
                    guard v.count > 1 else { return 0 }
                    let m = mean(v)
                    return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
                }
                let acc = ps.map(\.accuracy), f1 = ps.map(\.macroF1)
                out.append(Summary(technique: t, perLabel: n, seeds: ps.count, accuracy: mean(acc), accuracyMin: acc.min()!,
                                   accuracyMax: acc.max()!, accuracySD: sd(acc), macroF1: mean(f1), macroF1SD: sd(f1),
                                   seconds: mean(ps.map(\.seconds)), rows: mean(ps.map { Double($0.rows) })))
            }
        }
        return out
    }

    /// At each number of examples per label, the technique that cost least among those whose mean
    /// accuracy is within `margin` (1 point) of the best.
    public func cheapestNearBest(margin: Double = 0.01) -> [(perLabel: Int?, technique: String, best: String)] {
        let all = summaries
        return perLabelValues.compactMap { n in
            let here = all.filter { $0.perLabel == n }
            guard let best = here.max(by: { $0.accuracy < $1.accuracy }) else { return nil }
            let near = here.filter { $0.accuracy >= best.accuracy - margin }
            let cheapest = near.min { $0.seconds < $1.seconds }!
            return (n, cheapest.technique, best.technique)
        }
    }

    /// `cheapestNearBest()` as a sentence: "Cheapest within 1 point of the best: 8 per label: head (best: finetuned); ...".
    public var cheapestNearBestSentence: String {
        let picks = cheapestNearBest().map { "\(Self.name(perLabel: $0.perLabel)): \($0.technique)" + ($0.technique == $0.best ? "" : " (best: \($0.best))") }
        return "Cheapest within 1 point of the best: " + picks.joined(separator: "; ") + "."
    }

    /// One line per point, with a header; pandas reads it (`per_label` is a number or `all`).
    public var csv: String {
        var lines = ["technique,per_label,seed,accuracy,macro_f1,seconds,rows,capped_labels"]
        for p in points {
            lines.append([p.technique, p.perLabel.map(String.init) ?? "all", String(p.seed), String(format: "%.6f", p.accuracy),
                          String(format: "%.6f", p.macroF1), String(format: "%.3f", p.seconds), String(p.rows),
                          String(p.cappedLabels.count)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(points)
    }
}

// CompareCommand+Curve: `rag compare --curve 2,4,8,all`: the techniques' learning curves (offline, and a chat model's with --llm-model), printed as a table and kept as JSON, CSV, SVG and HTML.
import ArgumentParser
import Foundation
import RAG
import RAGLLM

extension CompareCommand {
    /// `2,4,8,all` as examples per label (nil: all), in the order given (`LearningCurve.examplesPerLabel(parsing:)`).
    static func curvePoints(_ text: String) throws -> [Int?] {
        do { return try LearningCurve.examplesPerLabel(parsing: text) } catch let error as LearningCurve.CountsError {
            throw ValidationError("--curve: " + error.localizedDescription)
        }
    }

    /// `zero-shot,knn,head` as techniques (nil: the library's default), naming the bad one otherwise.
    static func curveTechniques(_ text: String?) throws -> [OfflineClassifier.Method] {
        guard let text else { return Workspace.curveTechniques }
        do {
            return try OfflineClassifier.Method.named(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        } catch let error as ClassificationError {
            throw ValidationError("--curve-methods: " + error.localizedDescription)
        }
    }

    func runCurve() async throws {
        let start = Date()
        let counts = try Self.curvePoints(curve!)
        let workspace = try embedding.workspace(index: index)
        let rows = try evaluationRows()
        var told = Set<String>()
        func report(_ p: LearningCurve.Point) {
            let at = LearningCurve.name(perLabel: p.perLabel)
            if !p.cappedLabels.isEmpty, told.insert(at).inserted {
                Terminal.printError("\(at): \(p.cappedLabels.count) label(s) have fewer stored rows and give all they have (e.g. "
                                    + p.cappedLabels.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")")
            }
            Terminal.printError(String(format: "%@, seed %d, %@: accuracy %.4f, macro-F1 %.4f, %.1f s (%d rows)",
                                       at, p.seed, p.technique, p.accuracy, p.macroF1, p.seconds, p.rows))
        }
        let methods = try Self.curveTechniques(curveMethods)
        var result = try workspace.learningCurve(rows, examplesPerLabel: counts, seeds: curveSeeds, k: k, methods: methods,
                                                fineTuning: Workspace.curveFineTuning(objective: curveObjective), fineTuningStarted: { n, seed, drawn in
            Terminal.printError("\(LearningCurve.name(perLabel: n)), seed \(seed): fine-tuning \(workspace.modelName) on \(drawn) rows (\(curveObjective.rawValue))")
        }, progress: report)
        if let llmModel {
            let builder = try prompt.builder(labels: workspace.snapshot.labels)
            let stop = StopToken()
            stop.stopOnInterrupt { Terminal.printError("\ninterrupted: letting the rows in flight finish (Ctrl-C again to quit at once)") }
            try await llm.api.withClient { client in
                var bar: ProgressReporter?
                result.points += try await workspace.llmCurvePoints(
                    rows, examplesPerLabel: counts, seeds: curveSeeds, k: k,
                    withRAG: llm.classifier(client: client, model: llmModel, builder: builder, rag: true),
                    withoutRAG: llm.classifier(client: client, model: llmModel, builder: builder, rag: false),
                    concurrency: llm.concurrency, stop: stop,
                    started: { technique, draw in
                        bar?.finish()
                        bar = ProgressReporter(draw.map { "\(technique), \(LearningCurve.name(perLabel: $0.perLabel)), seed \($0.seed)" } ?? technique,
                                               total: rows.count)
                    }, rowsDone: { done, _ in bar?.update(done) },
                    progress: { bar?.finish(); bar = nil; report($0) })
            }
            if stop.isStopped { throw ExitCode(130) }
        }
        if let curveOut { try AtomicOutput.write(try Self.curveEncoder.encode(result) + Data("\n".utf8), to: curveOut) }
        if let curveCsv { try AtomicOutput.write(Data(result.csv.utf8), to: curveCsv) }
        let labelCount = workspace.snapshot.labels.count
        if let curveSvg { try AtomicOutput.write(Data(LearningCurveChart(curve: result, labelCount: labelCount).svg.utf8), to: curveSvg) }
        if let curveHtml {
            let page = HTMLReport.render(curve: result, labelCount: labelCount, title: "LocalRAG learning curve: \(workspace.modelName) on \(csv)")
            try AtomicOutput.write(Data(page.utf8), to: curveHtml)
        }
        if json {
            print(String(decoding: try Self.curveEncoder.encode(result), as: UTF8.self))
        } else {
            print(Self.markdown(result))
        }
        Terminal.printError(String(format: "measured %d points on %d rows of %@ in %.1f s", result.points.count, rows.count, csv, Date().timeIntervalSince(start)))
    }

    static var curveEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return e
    }

    /// Mean accuracy ± its standard deviation over the seeds and the mean seconds, a column per
    /// count, a row per technique; then the cheapest technique within 1 point of the best.
    static func markdown(_ curve: LearningCurve) -> String {
        let counts = curve.perLabelValues
        let summaries = curve.summaries
        let name = LearningCurve.name(perLabel:)
        var lines = ["| Technique | " + counts.map(name).joined(separator: " | ") + " |",
                     "|---|" + counts.map { _ in "---|" }.joined()]
        for t in curve.techniques {
            let cells = counts.map { n -> String in
                guard let s = summaries.first(where: { $0.technique == t && $0.perLabel == n }) else { return "-" }
                let spread = s.seeds > 1 ? String(format: " ± %.4f", s.accuracySD) : ""
                return String(format: "%.4f%@ (%.1f s)", s.accuracy, spread, s.seconds)
            }
            lines.append("| \(t) | " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("Accuracy on the evaluation rows, mean ± standard deviation over the seeds, and seconds per point. "
                     + curve.cheapestNearBestSentence)
        return lines.joined(separator: "\n")
    }
}

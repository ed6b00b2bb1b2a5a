// LearningCurveChart: a learning curve drawn as a standalone SVG: accuracy against rows per label (log scale), a line per technique, the seeds' spread as a band.
import Foundation

/// Renders `LearningCurve` as SVG 1.1 that browsers and image viewers open as it is. The x axis is
/// logarithmic in rows per label; "all" sits at the mean rows per label of the whole training set.
/// Each technique is a line through its mean accuracy with a band from its lowest to its highest
/// seed, in a colour-blind-safe palette (Okabe and Ito), with a legend. Lines after the first are
/// dashed, each with longer gaps than the one before and neighbours out of phase, so a line drawn
/// over another with the same accuracies (a blend and the line it blends) leaves it visible.
public struct LearningCurveChart: Sendable {
    public var curve: LearningCurve
    /// Labels in the training rows, to place "all" at rows / labels.
    public var labelCount: Int
    public var title: String
    public var width = 720.0, height = 440.0

    public init(curve: LearningCurve, labelCount: Int, title: String = "Accuracy against labelled rows per label") {
        self.curve = curve
        self.labelCount = max(1, labelCount)
        self.title = title
    }

    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    /// The dash of the i-th technique's line: solid first, then dash and gap summing to 12 with the
    /// gap growing, odd lines shifted half a period so their dashes fall in the gaps of the next.
    static func dash(_ i: Int) -> String {
        let gap = min(8, 2 + i % palette.count)
        return i == 0 ? "" : " stroke-dasharray=\"\(12 - gap) \(gap)\" stroke-dashoffset=\"\(i % 2 * 6)\""
    }

    /// The chart as a file: the XML declaration, then `svgElement`.
    public var svg: String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svgElement }

    /// The `<svg>` element alone, to place inside an HTML page.
    public var svgElement: String {
        let summaries = curve.summaries
        let left = 64.0, right = 180.0, top = 40.0, bottom = 56.0
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ s: LearningCurve.Summary) -> Double { s.perLabel.map(Double.init) ?? s.rows / Double(labelCount) }
        let xs = summaries.map(x).filter { $0 > 0 }
        let lo = log10(max(1, xs.min() ?? 1)), hi = max(lo + 0.3, log10(xs.max() ?? 10))
        let yLow = max(0, floor(((summaries.map(\.accuracyMin).min() ?? 0) - 0.02) * 10) / 10)
        let yHigh = min(1, ceil(((summaries.map(\.accuracyMax).max() ?? 1) + 0.02) * 10) / 10)
        func px(_ v: Double) -> Double { left + (log10(max(v, 1e-9)) - lo) / (hi - lo) * plotW }
        func py(_ a: Double) -> Double { top + (1 - (a - yLow) / max(yHigh - yLow, 1e-9)) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var out = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(left))\" y=\"22\" font-size=\"15\">\(escape(title))</text>",
        ]
        // Axes, grid and ticks: accuracy every 0.1, the measured rows per label on x.
        var tick = yLow
        while tick <= yHigh + 1e-9 {
            out.append("<line x1=\"\(f(left))\" y1=\"\(f(py(tick)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(tick)))\" stroke=\"#dddddd\"/>")
            out.append("<text x=\"\(f(left - 8))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(String(format: "%.1f", tick))</text>")
            tick += 0.1
        }
        for n in curve.perLabelValues {
            guard let s = summaries.first(where: { $0.perLabel == n }) else { continue }
            let at = px(x(s))
            out.append("<line x1=\"\(f(at))\" y1=\"\(f(top))\" x2=\"\(f(at))\" y2=\"\(f(top + plotH))\" stroke=\"#eeeeee\"/>")
            out.append("<text x=\"\(f(at))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(n.map(String.init) ?? "all")</text>")
        }
        out.append("<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333333\"/>")
        out.append("<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">labelled rows per label (log scale)</text>")
        out.append("<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">accuracy</text>")
        let lines = curve.techniques.map { t in summaries.filter { $0.technique == t }.sorted { x($0) < x($1) } }
        // Every band first, then the lines over them: a band never tints a line.
        for (i, line) in lines.enumerated() {
            let upper = line.map { "\(f(px(x($0)))),\(f(py($0.accuracyMax)))" }
            let lower = line.reversed().map { "\(f(px(x($0)))),\(f(py($0.accuracyMin)))" }
            out.append("<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(Self.palette[i % Self.palette.count])\" fill-opacity=\"0.18\" stroke=\"none\"/>")
        }
        for (i, (t, line)) in zip(curve.techniques, lines).enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            out.append("<polyline points=\"\(line.map { "\(f(px(x($0)))),\(f(py($0.accuracy)))" }.joined(separator: " "))\" fill=\"none\"\(Self.dash(i)) stroke=\"\(colour)\" stroke-width=\"2\"/>")
            for s in line {
                out.append("<circle cx=\"\(f(px(x(s))))\" cy=\"\(f(py(s.accuracy)))\" r=\"3\" fill=\"\(colour)\"><title>\(escape(t)) at \(s.perLabel.map(String.init) ?? "all"): \(String(format: "%.4f", s.accuracy))</title></circle>")
            }
            let ly = top + 12 + Double(i) * 20
            out.append("<line x1=\"\(f(left + plotW + 16))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotW + 40))\" y2=\"\(f(ly))\"\(Self.dash(i)) stroke=\"\(colour)\" stroke-width=\"2\"/>")
            out.append("<text x=\"\(f(left + plotW + 46))\" y=\"\(f(ly + 4))\">\(escape(t))</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}

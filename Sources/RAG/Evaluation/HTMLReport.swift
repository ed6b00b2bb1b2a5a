// HTMLReport: a self-contained HTML page for one classification run (inline CSS and SVG, no script, no network).
import Foundation

/// Renders a `ClassificationReport` and its `ConfusionMatrix` as a single page that opens from
/// disk anywhere: summary metrics, the most confused gold → predicted pairs, a confusion heatmap
/// that stays legible at 161 classes, and a per-class table sorted worst F1 first.
public enum HTMLReport {
    /// - Precondition: `report` and `confusion` come from the same rows (same labels, same order).
    public static func render(report: ClassificationReport, confusion: ConfusionMatrix, title: String) -> String {
        precondition(report.labels.count == confusion.labels.count
                     && zip(report.labels, confusion.labels).allSatisfy { $0.utf8.elementsEqual($1.utf8) },
                     "report and confusion matrix describe different labels")
        let goldOnly = confusion.predictedTotals.filter { $0 == 0 }.count
        let predictedOnly = report.perClass.filter { $0.support == 0 }.count
        var meta = "\(report.count) rows · \(report.labels.count) labels"
        meta += " · \(goldOnly) never predicted · \(predictedOnly) predicted but never gold"
        if report.invalidCount > 0 { meta += " · \(report.invalidCount) predictions outside the label set" }

        return page(title: title, meta: meta, body: """
        \(summary(report))
        <div class="row">
        \(heatmap(confusion))
        \(confusedPairs(confusion))
        </div>
        \(perClass(report, confusion))
        <p class="note">Metrics follow scikit-learn's <code>classification_report</code> with
        <code>zero_division=0</code>: the labels are the union of gold and predicted labels, so a
        predicted-only label is a class with support 0 and F1 0 that lowers the macro averages;
        a class never predicted has precision 0. Weighted averages weight by gold support.</p>
        """)
    }

    /// The page around a report's `body`: the head with `style`, the title as heading, the `meta` line.
    static func page(title: String, meta: String, style: String = css, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>\(style)</style>
        </head>
        <body>
        <h1>\(escape(title))</h1>
        <p class="meta">\(escape(meta))</p>
        \(body)
        </body>
        </html>

        """
    }

    // MARK: Sections

    private static func summary(_ r: ClassificationReport) -> String {
        let cells = [r.accuracy, r.macro.precision, r.macro.recall, r.macro.f1,
                     r.weighted.precision, r.weighted.recall, r.weighted.f1]
        return """
        <h2>Summary</h2>
        <table class="summary">
        <tr><th>Accuracy</th><th>Macro P</th><th>Macro R</th><th>Macro F1</th><th>Weighted P</th><th>Weighted R</th><th>Weighted F1</th></tr>
        <tr>\(cells.map { "<td>\(fixed($0))</td>" }.joined())</tr>
        </table>
        """
    }

    private static func confusedPairs(_ m: ConfusionMatrix) -> String {
        // By index, not by label string: Swift's String == would merge NFC and NFD spellings.
        let pairs = m.mostConfusedIndices(limit: 20)
        let support = m.goldTotals
        var rows = ""
        for (rank, cell) in pairs.enumerated() {
            let share = Double(cell.n) / Double(max(1, support[cell.g]))
            rows += "<tr><td>\(rank + 1)</td><td class=\"label\">\(labelHTML(m.labels[cell.g]))</td>"
            rows += "<td class=\"label\">\(labelHTML(m.labels[cell.p]))</td><td>\(cell.n)</td>"
            rows += "<td>\(Int((share * 100).rounded()))%</td></tr>\n"
        }
        if pairs.isEmpty { rows = "<tr><td colspan=\"5\">no errors</td></tr>" }
        return """
        <section class="pairs">
        <h2>Most confused pairs</h2>
        <table>
        <tr><th>#</th><th>gold</th><th>predicted instead</th><th>count</th><th>of gold</th></tr>
        \(rows)</table>
        </section>
        """
    }

    private static func perClass(_ r: ClassificationReport, _ m: ConfusionMatrix) -> String {
        let predicted = m.predictedTotals
        // Worst first; among equal F1 the bigger class first, since it costs more.
        let order = r.perClass.indices.sorted { a, b in
            let x = r.perClass[a], y = r.perClass[b]
            if x.f1 != y.f1 { return x.f1 < y.f1 }
            return x.support != y.support ? x.support > y.support : a < b
        }
        var rows = ""
        for i in order {
            let c = r.perClass[i]
            var topMiss = ""
            if let j = m.counts[i].indices.filter({ $0 != i && m.counts[i][$0] > 0 })
                .max(by: { m.counts[i][$0] < m.counts[i][$1] || (m.counts[i][$0] == m.counts[i][$1] && $0 > $1) }) {
                topMiss = "\(labelHTML(m.labels[j])) (\(m.counts[i][j]))"
            }
            let tag = c.support == 0 ? " <span class=\"tag\">predicted only</span>" : ""
            rows += "<tr><td>\(i)</td><td class=\"label\">\(labelHTML(c.label))\(tag)</td>"
            rows += "<td>\(fixed(c.precision))</td><td>\(fixed(c.recall))</td>"
            rows += "<td class=\"f1\"><span class=\"bar\" style=\"width:\(Int((c.f1 * 60).rounded()))px\"></span>\(fixed(c.f1))</td>"
            rows += "<td>\(c.support)</td><td>\(predicted[i])</td><td class=\"label\">\(topMiss)</td></tr>\n"
        }
        return """
        <h2>Per class, worst F1 first</h2>
        <table class="classes">
        <tr><th title="row and column in the heatmap">#</th><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th>predicted</th><th>most often predicted instead</th></tr>
        \(rows)</table>
        """
    }

    // MARK: Heatmap

    /// Colour ramps, light to dark: correct predictions in blue, errors in orange-red, so the
    /// diagonal reads as a line and every error cell stands out from it.
    private static let correctRamp: [(Double, Double, Double)] = [(198, 219, 239), (66, 146, 198), (8, 48, 107)]
    private static let errorRamp: [(Double, Double, Double)] = [(253, 208, 162), (241, 105, 19), (127, 39, 4)]

    private static func heatmap(_ m: ConfusionMatrix) -> String {
        let n = m.labels.count
        // ~5 px cells at 161 classes (805 px), bigger for small label sets, where names fit too.
        let cell = max(5, min(28, 720 / max(1, n)))
        let showNames = cell >= 14
        // Room for the longest shown name at ~7 px a character, or for tick numbers.
        let longest = m.labels.map { truncated($0, to: 24).count }.max() ?? 0
        let margin = showNames ? max(90, min(180, 7 * longest + 16)) : 48
        let side = n * cell
        let width = margin + side + 6, height = margin + side + 6
        let maxCorrect = max(1, (0..<n).map { m.counts[$0][$0] }.max() ?? 1)
        let maxError = max(1, m.mostConfusedIndices(limit: 1).first?.n ?? 1)
        let predicted = m.predictedTotals, gold = m.goldTotals

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
        svg += "viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"confusion matrix heatmap\">\n"
        svg += "<g transform=\"translate(\(margin),\(margin))\">\n"
        svg += "<rect class=\"frame\" width=\"\(side)\" height=\"\(side)\"/>\n"
        // Grid every 10 (5 for small sets) so a position can be read off the axes.
        let step = n > 50 ? 10 : 5
        for k in stride(from: step, to: n, by: step) {
            let p = k * cell
            svg += "<line class=\"grid\" x1=\"\(p)\" y1=\"0\" x2=\"\(p)\" y2=\"\(side)\"/>"
            svg += "<line class=\"grid\" x1=\"0\" y1=\"\(p)\" x2=\"\(side)\" y2=\"\(p)\"/>\n"
        }
        svg += "<line class=\"diag\" x1=\"0\" y1=\"0\" x2=\"\(side)\" y2=\"\(side)\"/>\n"
        for g in 0..<n {
            for p in 0..<n where m.counts[g][p] > 0 {
                let count = m.counts[g][p]
                let t = shade(count, max: g == p ? maxCorrect : maxError)
                let fill = colour(t, ramp: g == p ? correctRamp : errorRamp)
                let tip = g == p ? "\(m.labels[g]): \(count) of \(gold[g]) correct"
                                 : "gold \(m.labels[g]) → predicted \(m.labels[p]): \(count) of \(gold[g])"
                svg += "<rect class=\"c\" x=\"\(p * cell)\" y=\"\(g * cell)\" width=\"\(cell)\" height=\"\(cell)\" "
                svg += "fill=\"\(fill)\"><title>\(escape(tip))</title></rect>\n"
                if cell >= 22 {
                    let ink = t > 0.55 ? "#fff" : "#000"
                    svg += "<text class=\"n\" x=\"\(p * cell + cell / 2)\" y=\"\(g * cell + cell / 2 + 4)\" fill=\"\(ink)\">\(count)</text>\n"
                }
            }
        }
        svg += "</g>\n"
        // Axis strips: hovering anywhere along a row or column names its label.
        svg += "<g class=\"axis\">\n"
        for i in 0..<n {
            let pos = margin + i * cell
            svg += "<rect x=\"0\" y=\"\(pos)\" width=\"\(margin - 2)\" height=\"\(cell)\"><title>"
            svg += "row \(i), gold \(escape(m.labels[i])): support \(gold[i])</title></rect>"
            svg += "<rect x=\"\(pos)\" y=\"0\" width=\"\(cell)\" height=\"\(margin - 2)\"><title>"
            svg += "column \(i), predicted \(escape(m.labels[i])): predicted \(predicted[i]) times</title></rect>\n"
            if showNames {
                let name = escape(truncated(m.labels[i], to: 24))
                svg += "<text class=\"name\" x=\"\(margin - 4)\" y=\"\(pos + cell / 2 + 4)\" text-anchor=\"end\">\(name)</text>"
                svg += "<text class=\"name\" transform=\"translate(\(pos + cell / 2 + 4),\(margin - 4)) rotate(-90)\">\(name)</text>\n"
            } else if i % step == 0 {
                svg += "<text class=\"tick\" x=\"\(margin - 4)\" y=\"\(pos + 4)\" text-anchor=\"end\">\(i)</text>"
                svg += "<text class=\"tick\" x=\"\(pos)\" y=\"\(margin - 6)\" text-anchor=\"middle\">\(i)</text>\n"
            }
        }
        if showNames {
            // The corner square left of the column names and above the row names is free.
            svg += "<text class=\"axislabel\" x=\"\(margin - 6)\" y=\"\(margin - 22)\" text-anchor=\"end\">predicted →</text>"
            svg += "<text class=\"axislabel\" x=\"\(margin - 6)\" y=\"\(margin - 8)\" text-anchor=\"end\">gold ↓</text>\n"
        } else {
            svg += "<text class=\"axislabel\" x=\"\(margin)\" y=\"14\">predicted →</text>"
            svg += "<text class=\"axislabel\" x=\"2\" y=\"30\">gold ↓</text>\n"
        }
        svg += "</g>\n</svg>"

        return """
        <section class="heat">
        <h2>Confusion matrix</h2>
        <p class="hint">Rows: gold label; columns: predicted label; both in label order (# in the
        per-class table). Hover a cell or an axis for names and counts.</p>
        \(svg)
        <div class="legend">\(legend("correct", max: maxCorrect, ramp: correctRamp))
        \(legend("errors", max: maxError, ramp: errorRamp))</div>
        </section>
        """
    }

    private static func legend(_ name: String, max: Int, ramp: [(Double, Double, Double)]) -> String {
        // 1-2-5 steps up to the maximum: the scale is logarithmic, so these are evenly spread.
        var values: [Int] = []
        var decade = 1
        outer: while true {
            for f in [1, 2, 5] {
                let v = f * decade
                if v >= max { break outer }
                values.append(v)
            }
            decade *= 10
        }
        values.append(max)
        let swatches = values.map {
            "<span class=\"sw\" style=\"background:\(colour(shade($0, max: max), ramp: ramp))\"></span>\($0)"
        }.joined(separator: " ")
        return "<div><b>\(name)</b> \(swatches)</div>"
    }

    /// Position 0...1 on a log scale from 1 to `max`, so counts of 1 stay visible next to counts
    /// of 40; a count of 1 is always the lightest shade, whatever the maximum.
    private static func shade(_ count: Int, max: Int) -> Double {
        max <= 1 ? 0 : Swift.min(1, Swift.max(0, log(Double(count)) / log(Double(max))))
    }

    private static func colour(_ t: Double, ramp: [(Double, Double, Double)]) -> String {
        let x = t * Double(ramp.count - 1)
        let i = Swift.min(Int(x), ramp.count - 2)
        let f = x - Double(i)
        let (a, b) = (ramp[i], ramp[i + 1])
        func mix(_ u: Double, _ v: Double) -> Int { Int((u + (v - u) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    // MARK: Text

    /// Escapes text for HTML element content and quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A label for a table cell: escaped, with break opportunities after underscores so long
    /// snake_case intents wrap at word boundaries instead of mid-word.
    private static func labelHTML(_ label: String) -> String {
        escape(label).replacingOccurrences(of: "_", with: "_<wbr>")
    }

    private static func truncated(_ label: String, to limit: Int) -> String {
        label.count <= limit ? label : String(label.prefix(limit - 1)) + "…"
    }

    static func fixed(_ x: Double) -> String { String(format: "%.3f", x) }

    static let css = """
    body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1400px;padding:0 16px}
    h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
    .meta,.hint,.note{color:#555}.note{font-size:12px;max-width:900px}
    table{border-collapse:collapse}th,td{padding:3px 8px;border-bottom:1px solid #e3e3e3;text-align:right;vertical-align:top}
    th{background:#f4f4f4;font-weight:600}td.label,th:nth-child(2){text-align:left}
    td.label{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;white-space:pre-wrap;overflow-wrap:anywhere;max-width:300px}
    table.summary td{font-size:18px;font-variant-numeric:tabular-nums;padding:6px 14px}table.summary th{text-align:center;white-space:nowrap}
    td{font-variant-numeric:tabular-nums}
    .row{display:flex;flex-wrap:wrap;gap:32px;align-items:flex-start}
    .pairs td:nth-child(3){text-align:left}.pairs th:nth-child(3){text-align:left}
    .classes td:last-child,.classes th:last-child{text-align:left}
    td.f1{white-space:nowrap}.bar{display:inline-block;height:9px;background:#6a9fd4;margin-right:6px;vertical-align:middle}
    .tag{font:11px system-ui,sans-serif;white-space:nowrap;background:#fde0c5;color:#7f2704;border-radius:3px;padding:0 4px}
    svg{display:block;font-family:system-ui,sans-serif}
    .frame{fill:#fff;stroke:#bbb}.grid{stroke:#eee;stroke-width:1}.diag{stroke:#c6dbef;stroke-width:1}
    rect.c:hover{stroke:#000;stroke-width:1.5}.axis rect{fill:transparent}.axis rect:hover{fill:#e8e8e8}
    .tick{font-size:10px;fill:#666}.name{font-size:11px;fill:#333}.axislabel{font-size:11px;fill:#333;font-weight:600}
    .n{font-size:10px;text-anchor:middle}
    .legend{margin-top:8px;font-size:12px}.legend div{margin:2px 0}
    .sw{display:inline-block;width:12px;height:12px;vertical-align:middle;margin:0 2px 0 8px;border:1px solid #ddd}
    """
}

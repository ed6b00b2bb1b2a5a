// HTMLReport+LearningCurve: a self-contained HTML page for one learning curve: the chart, the table with spreads and times, the cheapest technique near the best.
import Foundation

extension HTMLReport {
    /// Renders `curve` as a single page that opens from disk anywhere (inline CSS and SVG, no
    /// script, no network): the chart (`LearningCurveChart`, "all" placed at the training rows over
    /// `labelCount`), a table of mean accuracy ± its standard deviation over the seeds, macro-F1 and
    /// seconds per point, the cheapest technique within 1 point of the best at each count, and the
    /// labels that had fewer rows than a count asked for.
    public static func render(curve: LearningCurve, labelCount: Int, title: String) -> String {
        let counts = curve.perLabelValues
        let summaries = curve.summaries
        let seeds = summaries.map(\.seeds).max() ?? 0
        var meta = "\(curve.techniques.count) techniques · \(counts.count) counts of rows per label · \(curve.points.count) points"
        meta += " · up to \(seeds) seed\(seeds == 1 ? "" : "s") per count · \(labelCount) labels"

        var header = "<tr><th>technique</th>"
        for n in counts { header += "<th>\(escape(LearningCurve.name(perLabel: n)))</th>" }
        header += "</tr>\n"
        var rows = ""
        for t in curve.techniques {
            rows += "<tr><td class=\"label\">\(escape(t))</td>"
            for n in counts {
                guard let s = summaries.first(where: { $0.technique == t && $0.perLabel == n }) else { rows += "<td>–</td>"; continue }
                let spread = s.seeds > 1 ? " ± " + fixed(s.accuracySD) : ""
                rows += "<td title=\"\(escape(t)), \(escape(LearningCurve.name(perLabel: n))): \(s.seeds) seed(s), \(Int(s.rows.rounded())) rows\">"
                rows += "<b>\(fixed(s.accuracy))</b>\(spread)<br><span class=\"sub\">F1 \(fixed(s.macroF1)) · "
                rows += String(format: "%.1f s", s.seconds) + "</span></td>"
            }
            rows += "</tr>\n"
        }

        var capped = ""
        for n in counts {
            var labels: [String: Int] = [:]
            for p in curve.points where p.perLabel == n { labels.merge(p.cappedLabels) { a, _ in a } }
            guard !labels.isEmpty else { continue }
            let examples = labels.sorted { $0.key < $1.key }.prefix(5).map { "\(escape($0.key)) (\($0.value))" }.joined(separator: ", ")
            capped += "<li>\(escape(LearningCurve.name(perLabel: n))): \(labels.count) label(s) have fewer rows and gave all they have, e.g. \(examples)</li>\n"
        }
        if !capped.isEmpty { capped = "<h2>Counts above a label's rows</h2>\n<ul class=\"note\">\n\(capped)</ul>\n" }

        let style = css + "\ntable.curve td{text-align:center}table.curve td.label{text-align:left}.sub{color:#666;font-size:12px}"
        return page(title: title, meta: meta, style: style, body: """
        \(LearningCurveChart(curve: curve, labelCount: labelCount).svgElement)
        <h2>Accuracy per technique and rows per label</h2>
        <table class="curve">
        \(header)\(rows)</table>
        <p>\(escape(curve.cheapestNearBestSentence))</p>
        \(capped)<p class="note">Each count draws that many labelled rows per label from the stored rows
        (stratified, seeds 0, 1, …; one draw where the count reaches every label's rows) and measures
        every technique on the same draw: accuracy is the mean over the seeds ± its standard deviation,
        the band in the chart runs from the lowest to the highest seed, and seconds are what a point
        cost to train and classify.</p>
        """)
    }
}

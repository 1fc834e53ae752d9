#if canImport(Glibc)
import Glibc
#endif

/// A grouped bar chart as a standalone SVG document, in the style of the study's figures: one group of bars per
/// scenario, one bar per path (a colour each, with a legend), the mean as the bar and the sample standard
/// deviation as a whisker. Values may be drawn on a logarithmic axis when they span orders of magnitude.
public struct BarChart: Sendable {
    /// The title, above the chart.
    public var title: String
    /// A second line under the title: what was measured (traces and their size, detection, packet limits).
    public var subtitle: String
    /// The label of the value axis (with its unit).
    public var axisLabel: String
    /// The group names (scenarios), along the category axis.
    public var groups: [String]
    /// The series names (paths), one bar and legend entry each.
    public var series: [String]
    /// values[group][series]: mean and standard deviation, nil when not measured.
    public var values: [[(mean: Double, deviation: Double)?]]
    /// Whether the value axis is logarithmic (decades as ticks).
    public var logarithmic: Bool

    /// A chart of `values` (`values[group][series]`).
    public init(
        title: String, subtitle: String = "", axisLabel: String, groups: [String], series: [String],
        values: [[(mean: Double, deviation: Double)?]], logarithmic: Bool = false
    ) {
        self.title = title
        self.subtitle = subtitle
        self.axisLabel = axisLabel
        self.groups = groups
        self.series = series
        self.values = values
        self.logarithmic = logarithmic
    }

    static let palette = [
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    ]

    /// The chart as a standalone SVG document.
    public func svg() -> String {
        let barWidth = 16.0
        let groupGap = 24.0
        let left = 78.0, right = 20.0, top = 56.0
        let longestGroup = Double(groups.map(\.count).max() ?? 4)
        let bottom = 40.0 + min(160, longestGroup * 6.2)
        let plotHeight = 300.0
        let groupWidth = Double(max(1, series.count)) * barWidth + groupGap
        let legendWidth = 150.0
        let plotWidth = max(240, Double(max(1, groups.count)) * groupWidth)
        let width = left + plotWidth + right + legendWidth
        let height = top + plotHeight + bottom

        // Axis range.
        let tops = values.flatMap { $0.compactMap { $0.map { $0.mean + $0.deviation } } }.filter { $0.isFinite }
        let positives = values.flatMap { $0.compactMap { $0?.mean } }.filter { $0 > 0 && $0.isFinite }
        var ticks: [Double]
        let scale: (Double) -> Double
        if logarithmic, let low = positives.min(), let high = tops.max(), high > 0 {
            var lowExponent = Int(floorLog10(low))
            let highExponent = Int(ceilLog10(high))
            if highExponent <= lowExponent { lowExponent = highExponent - 1 }
            ticks = (lowExponent...highExponent).map { power10($0) }
            let lo = Double(lowExponent), hi = Double(highExponent)
            scale = { value in
                guard value > 0 else { return 0 }
                return max(0, min(1, (log10(value) - lo) / (hi - lo)))
            }
        } else {
            let maximum = max(tops.max() ?? 1, 1e-9)
            let step = niceStep(maximum / 5)
            let count = Int((maximum / step).rounded(.up))
            ticks = (0...max(1, count)).map { Double($0) * step }
            let axisTop = ticks.last!
            scale = { value in max(0, min(1, value / axisTop)) }
        }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - scale(value)) }

        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(width))" height="\(fmt(height))" viewBox="0 0 \(fmt(width)) \(fmt(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect x="0" y="0" width="\(fmt(width))" height="\(fmt(height))" fill="white"/>
            <text x="\(fmt(left + plotWidth / 2))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(escape(title))</text>

            """
        if !subtitle.isEmpty {
            s +=
                "<text x=\"\(fmt((left + plotWidth + right + legendWidth) / 2))\" y=\"42\" text-anchor=\"middle\" font-size=\"11\" fill=\"#444444\">\(escape(subtitle))</text>\n"
        }
        // Grid and y ticks.
        for tick in ticks {
            let ty = y(tick)
            s +=
                "<line x1=\"\(fmt(left))\" y1=\"\(fmt(ty))\" x2=\"\(fmt(left + plotWidth))\" y2=\"\(fmt(ty))\" stroke=\"#dddddd\"/>\n"
            s +=
                "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(ty + 4))\" text-anchor=\"end\">\(escape(tickLabel(tick)))</text>\n"
        }
        s +=
            "<text transform=\"translate(18,\(fmt(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(axisLabel))</text>\n"
        // Bars and whiskers.
        for (g, group) in groups.enumerated() {
            let groupX = left + groupGap / 2 + Double(g) * groupWidth
            for (k, name) in series.enumerated() {
                guard g < values.count, k < values[g].count, let value = values[g][k] else { continue }
                let x = groupX + Double(k) * barWidth
                let barTop = y(value.mean)
                let color = Self.palette[k % Self.palette.count]
                s +=
                    "<rect x=\"\(fmt(x))\" y=\"\(fmt(barTop))\" width=\"\(fmt(barWidth - 2))\" height=\"\(fmt(max(0, top + plotHeight - barTop)))\" fill=\"\(color)\"><title>\(escape(group)) · \(escape(name)): \(escape(tickLabel(value.mean))) ± \(escape(tickLabel(value.deviation)))</title></rect>\n"
                if value.deviation > 0 {
                    let cx = x + (barWidth - 2) / 2
                    let high = y(value.mean + value.deviation)
                    let low = y(max(value.mean - value.deviation, logarithmic ? value.mean / 10 : 0))
                    s +=
                        "<path d=\"M\(fmt(cx)) \(fmt(low))V\(fmt(high))M\(fmt(cx - 4)) \(fmt(high))H\(fmt(cx + 4))M\(fmt(cx - 4)) \(fmt(low))H\(fmt(cx + 4))\" stroke=\"black\" stroke-width=\"1\" fill=\"none\"/>\n"
                }
            }
            let labelX = groupX + Double(series.count) * barWidth / 2
            let labelY = top + plotHeight + 14
            s +=
                "<text transform=\"translate(\(fmt(labelX)),\(fmt(labelY))) rotate(30)\" text-anchor=\"start\">\(escape(group))</text>\n"
        }
        // Axes.
        s +=
            "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top))\" x2=\"\(fmt(left))\" y2=\"\(fmt(top + plotHeight))\" stroke=\"black\"/>\n"
        s +=
            "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top + plotHeight))\" x2=\"\(fmt(left + plotWidth))\" y2=\"\(fmt(top + plotHeight))\" stroke=\"black\"/>\n"
        // Legend.
        let legendX = left + plotWidth + right
        for (k, name) in series.enumerated() {
            let ly = top + Double(k) * 18
            s +=
                "<rect x=\"\(fmt(legendX))\" y=\"\(fmt(ly))\" width=\"12\" height=\"12\" fill=\"\(Self.palette[k % Self.palette.count])\"/>\n"
            s += "<text x=\"\(fmt(legendX + 18))\" y=\"\(fmt(ly + 10))\">\(escape(name))</text>\n"
        }
        s +=
            "<text x=\"\(fmt(legendX))\" y=\"\(fmt(top + Double(series.count) * 18 + 14))\" font-size=\"10\" fill=\"#555555\">bars: mean; whiskers: ±1 sd</text>\n"
        s += "</svg>\n"
        return s
    }

    func tickLabel(_ value: Double) -> String {
        if value == 0 { return "0" }
        if value >= 1_000_000 { return formatNumber(value / 1_000_000, value >= 10_000_000 ? 0 : 1) + "M" }
        if value >= 10_000 { return formatNumber(value / 1000, 0) + "k" }
        if value >= 10 { return formatNumber(value, 0) }
        if value >= 1 { return formatNumber(value, 1) }
        if value >= 0.01 { return formatNumber(value, 2) }
        return formatNumber(value, 4)
    }
}

func fmt(_ value: Double) -> String { formatNumber(value, 1) }

func escape(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}

func power10(_ exponent: Int) -> Double {
    var value = 1.0
    if exponent >= 0 { for _ in 0..<exponent { value *= 10 } } else { for _ in 0..<(-exponent) { value /= 10 } }
    return value
}

func log10(_ value: Double) -> Double {
    // log10 without Foundation: log2 via the exponent and a series would be overkill; Glibc has it.
    Glibc.log10(value)
}

func floorLog10(_ value: Double) -> Double { log10(value).rounded(.down) }
func ceilLog10(_ value: Double) -> Double { log10(value).rounded(.up) }

/// 1, 2 or 5 times a power of ten, at least `raw`.
func niceStep(_ raw: Double) -> Double {
    guard raw > 0 else { return 1 }
    let exponent = Int(floorLog10(raw))
    let base = power10(exponent)
    for multiple in [1.0, 2.0, 5.0, 10.0] where multiple * base >= raw { return multiple * base }
    return 10 * base
}

// Text helpers of the harness: numbers as the tables and files write them (no Foundation), CSV and JSON quoting,
// and the one JSON reading the harness needs (a number after a key, in a child's or iperf3's report).

import FlowWriters

/// `value` with `decimals` digits after the point (no Foundation); "-" when it is not finite.
func formatNumber(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    guard rounded < 9e15 else { return String(value) }
    let integer = UInt64(rounded)
    let whole = integer / UInt64(scale)
    var text = (value < 0 && integer != 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let fraction = String(integer % UInt64(scale))
        text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
    return text
}

/// `value` rounded to an integer, with commas between groups of three digits; "-" when it is not finite.
func groupThousands(_ value: Double) -> String {
    guard value.isFinite else { return "-" }
    let digits = String(Int64(value.rounded()))
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

/// `names` without repetitions, in first-seen order.
func ordered(_ names: [String]) -> [String] {
    var seen = Set<String>()
    return names.filter { seen.insert($0).inserted }
}

/// `text` as a CSV field: quoted when it holds a comma or a quote.
func csvField(_ text: String) -> String {
    text.contains(",") || text.contains("\"") ? "\"" + text.replacingAll("\"", "\"\"") + "\"" : text
}

/// `text` as a JSON string, quotes included.
func jsonString(_ text: String) -> String { JSONText.quoted(text) }

/// The number after `"key":` in a JSON text (the first occurrence after `after`, when given).
func jsonNumber(_ text: String, _ key: String, after anchor: String? = nil) -> Double? {
    var scope = Substring(text)
    if let anchor {
        guard let r = scope.firstRange(of: anchor) else { return nil }
        scope = scope[r.upperBound...]
    }
    guard let r = scope.firstRange(of: "\"\(key)\":") else { return nil }
    var rest = scope[r.upperBound...].drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" })
    var number = ""
    while let c = rest.first, c.isNumber || c == "." || c == "-" || c == "e" || c == "E" || c == "+" {
        number.append(c)
        rest = rest.dropFirst()
    }
    return Double(number)
}

/// The file name of `path` without its capture suffix (.pcapng, .pcap, .cap): a trace's name in the results.
func baseName(_ path: String) -> String {
    var name = path.split(separator: "/").last.map(String.init) ?? path
    for suffix in [".pcapng", ".pcap", ".cap"] where name.hasSuffix(suffix) {
        name.removeLast(suffix.count)
        break
    }
    return name
}

extension String {
    /// Without leading and trailing spaces.
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }

    /// Every occurrence of `target` replaced by `replacement`.
    func replacingAll(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

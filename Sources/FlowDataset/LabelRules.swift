#if canImport(Glibc)
import Glibc
#endif
import FlowPacket

/// Ground-truth labelling rules (`--labels RULES.csv`): one rule per line after a header naming the fields, the
/// first rule that matches a flow gives its label.
///
/// Fields (any order; every one but `label` may be left empty, meaning "any"): `label`; `src` and `dst`, an
/// address or CIDR prefix, IPv4 or IPv6; `src_port` and `dst_port`, a port or a range `LOW-HIGH`; `protocol`, a
/// number or a name (tcp, udp, icmp, icmpv6, sctp, gre, esp); `start` and `end`, ISO 8601 with an explicit offset
/// (`2017-07-04T09:20:00-03:00`, `…Z`) or epoch milliseconds, the window `[start, end)`; `direction`, `any` (the
/// default: the rule matches the flow in either orientation, since the first packet's sender is not always the
/// attacker), `forward` (the rule's src is the flow's src) or `backward`. Blank lines and lines starting with `#`
/// are skipped.
public struct LabelRules: Sendable {
    /// When a flow is in a rule's time window.
    public enum TimeMatch: String, Sendable, CaseIterable {
        /// The flow's first packet is in the window.
        case start
        /// The flow's span `[first, last]` meets the window (the default).
        case overlap
        /// The whole flow is in the window.
        case within
    }

    /// Which orientation of the flow a rule's `src`/`dst` fields may match (the rule file's `direction`).
    public enum Direction: String, Sendable {
        case any, forward, backward
    }

    /// An address prefix: `bits` leading bits of `address` (IPv4: of its 32 bits).
    public struct Prefix: Sendable, Equatable {
        /// The address whose leading bits are compared.
        public var address: IPAddress
        /// Prefix length: 0…32 for IPv4, 0…128 for IPv6.
        public var bits: Int

        /// Whether `candidate` starts with this prefix (an IPv4 prefix never matches an IPv6 address).
        @inlinable
        public func contains(_ candidate: IPAddress) -> Bool {
            guard candidate.version == address.version else { return false }
            if address.version == 4 {
                let mask: UInt64 = bits == 0 ? 0 : (0xFFFF_FFFF << UInt64(32 - bits)) & 0xFFFF_FFFF
                return candidate.low & mask == address.low & mask
            }
            let highBits = min(bits, 64)
            let lowBits = max(0, bits - 64)
            let highMask: UInt64 = highBits == 0 ? 0 : ~0 << UInt64(64 - highBits)
            let lowMask: UInt64 = lowBits == 0 ? 0 : ~0 << UInt64(64 - lowBits)
            return candidate.high & highMask == address.high & highMask
                && candidate.low & lowMask == address.low & lowMask
        }
    }

    /// One line of the rule file: a label and the conditions a flow must meet (nil: any).
    public struct Rule: Sendable {
        /// The line of the rule file (1 is the header), and as text (the `label_rule` column).
        public var line: Int { didSet { lineText = String(line) } }
        /// `line` as text, kept in step with it (what the `label_rule` column holds).
        public private(set) var lineText: String
        /// The label the rule gives (the `label` column).
        public var label: String
        /// The `src` field: prefix of the source address (which flow end is the source: see `direction`).
        public var source: Prefix?
        /// The `dst` field: prefix of the destination address.
        public var destination: Prefix?
        /// The `src_port` field: range of the source port.
        public var sourcePorts: ClosedRange<UInt16>?
        /// The `dst_port` field: range of the destination port.
        public var destinationPorts: ClosedRange<UInt16>?
        /// The `protocol` field, as an IP protocol number.
        public var ipProtocol: UInt8?
        /// The window in nanoseconds since the epoch, `[start, end)`; nil: unbounded on that side.
        public var start: Int64?
        /// End of the window, exclusive, in ns since the epoch (`end`).
        public var end: Int64?
        /// Orientation of the flow the rule matches (`any` by default).
        public var direction: Direction = .any

        /// A rule from line `line` giving `label`, matching every flow until conditions are set.
        public init(line: Int, label: String) {
            self.line = line
            lineText = String(line)
            self.label = label
        }
    }

    /// A rule file that cannot be used: the file, the line and the field, and what is wrong.
    public struct Problem: Error, CustomStringConvertible {
        /// The rule file.
        public var path: String
        /// The line of the file at fault (1 is the header).
        public var line: Int
        /// The field at fault, if the problem lies in one.
        public var field: String?
        /// What is wrong.
        public var message: String
        /// `PATH:LINE: field 'FIELD': MESSAGE`, as compilers report errors.
        public var description: String {
            "\(path):\(line)" + (field.map { ": field '\($0)'" } ?? "") + ": \(message)"
        }
    }

    /// The rules, in file order (the first match wins).
    public var rules: [Rule]
    /// How a flow's span must meet a rule's window (`--label-time`).
    public var timeMatch: TimeMatch

    /// A rule set of `rules` whose windows match as `timeMatch` says.
    public init(rules: [Rule], timeMatch: TimeMatch = .overlap) {
        self.rules = rules
        self.timeMatch = timeMatch
    }

    /// The first rule matching a flow between `source`:`sourcePort` (its first packet's sender) and
    /// `destination`:`destinationPort`, over `[first, last]` (ns since the epoch); nil when none does.
    public func match(
        source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16, protocol proto: UInt8,
        first: Int64, last: Int64
    ) -> Rule? {
        for rule in rules {
            if let p = rule.ipProtocol, p != proto { continue }
            if !inWindow(rule, first: first, last: last) { continue }
            let forward =
                rule.direction != .backward
                && Self.matches(rule, source, sourcePort, destination, destinationPort)
            let backward =
                rule.direction != .forward
                && Self.matches(rule, destination, destinationPort, source, sourcePort)
            if forward || backward { return rule }
        }
        return nil
    }

    static func matches(_ rule: Rule, _ s: IPAddress, _ sp: UInt16, _ d: IPAddress, _ dp: UInt16) -> Bool {
        if let p = rule.source, !p.contains(s) { return false }
        if let p = rule.destination, !p.contains(d) { return false }
        if let r = rule.sourcePorts, !r.contains(sp) { return false }
        if let r = rule.destinationPorts, !r.contains(dp) { return false }
        return true
    }

    func inWindow(_ rule: Rule, first: Int64, last: Int64) -> Bool {
        let start = rule.start ?? .min
        let end = rule.end ?? .max
        switch timeMatch {
        case .start: return first >= start && first < end
        case .overlap: return first < end && last >= start
        case .within: return first >= start && last < end
        }
    }

    // MARK: Reading a rule file

    static let fields = ["label", "src", "dst", "src_port", "dst_port", "protocol", "start", "end", "direction"]

    /// Reads a rule file; every problem is a `Problem` naming the file, line and field.
    public static func read(path: String, timeMatch: TimeMatch = .overlap) throws(Problem) -> LabelRules {
        guard let text = readFile(path) else {
            throw Problem(
                path: path, line: 0, field: nil,
                message: "cannot read the rule file: \(String(cString: strerror(errno)))")
        }
        return try parse(text, path: path, timeMatch: timeMatch)
    }

    /// Parses the text of a rule file (`path` names it in problems).
    public static func parse(_ text: String, path: String, timeMatch: TimeMatch = .overlap) throws(Problem)
        -> LabelRules
    {
        var header: [String]? = nil
        var rules: [Rule] = []
        var lineNumber = 0
        let body = text.hasSuffix("\n") ? Substring(text.dropLast()) : Substring(text)
        for rawLine in body.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.first == "#" { continue }
            let cells: [String]
            do {
                cells = try splitCSV(line)
            } catch {
                throw Problem(path: path, line: lineNumber, field: nil, message: "an unclosed quote")
            }
            guard let names = header else {
                let names = cells.map { $0.trimmed.lowercased() }
                for name in names where !fields.contains(name) {
                    throw Problem(
                        path: path, line: lineNumber, field: name,
                        message: "unknown field in the header; the fields are \(fields.joined(separator: ", "))")
                }
                if !names.contains("label") {
                    throw Problem(
                        path: path, line: lineNumber, field: "label", message: "the header has no label field")
                }
                if Set(names).count != names.count {
                    throw Problem(
                        path: path, line: lineNumber, field: nil, message: "a field is named twice in the header")
                }
                header = names
                continue
            }
            guard cells.count == names.count else {
                throw Problem(
                    path: path, line: lineNumber, field: nil,
                    message: "\(cells.count) fields where the header has \(names.count)")
            }
            var rule = Rule(line: lineNumber, label: "")
            for (name, rawValue) in zip(names, cells) {
                let value = rawValue.trimmed
                func problem(_ message: String) -> Problem {
                    Problem(path: path, line: lineNumber, field: name, message: "'\(value)': \(message)")
                }
                if value.isEmpty {
                    if name == "label" {
                        throw Problem(path: path, line: lineNumber, field: name, message: "a rule needs a label")
                    }
                    continue
                }
                switch name {
                case "label": rule.label = value
                case "src", "dst":
                    guard let prefix = parsePrefix(value) else {
                        throw problem(
                            "not an IPv4 or IPv6 address or CIDR prefix (e.g. 192.168.10.0/24, 2001:db8::/32)")
                    }
                    if name == "src" { rule.source = prefix } else { rule.destination = prefix }
                case "src_port", "dst_port":
                    guard let range = parsePorts(value) else {
                        throw problem("not a port or a range LOW-HIGH of 0-65535")
                    }
                    if name == "src_port" { rule.sourcePorts = range } else { rule.destinationPorts = range }
                case "protocol":
                    guard let p = IPProtocolName.number(value) else {
                        throw problem(
                            "not a protocol number 0-255 or one of \(IPProtocolName.names.joined(separator: ", "))")
                    }
                    rule.ipProtocol = p
                case "start", "end":
                    guard let t = parseTime(value) else {
                        throw problem(
                            "not a time: ISO 8601 with an offset (2017-07-04T09:20:00-03:00, …Z) or epoch milliseconds")
                    }
                    if name == "start" { rule.start = t } else { rule.end = t }
                case "direction":
                    guard let d = Direction(rawValue: value.lowercased()) else {
                        throw problem("not any, forward or backward")
                    }
                    rule.direction = d
                default: break
                }
            }
            if let s = rule.start, let e = rule.end, e <= s {
                throw Problem(path: path, line: lineNumber, field: "end", message: "the window ends before it starts")
            }
            rules.append(rule)
        }
        if header == nil {
            throw Problem(
                path: path, line: lineNumber, field: nil, message: "the rule file has no header line (label,src,dst,…)")
        }
        return LabelRules(rules: rules, timeMatch: timeMatch)
    }

    static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes += chunk[0..<n] }
            if n < chunk.count { break }
        }
        if ferror(file) != 0 { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    struct UnclosedQuote: Error {}

    /// Splits one CSV line (RFC 4180 quoting within the line).
    static func splitCSV(_ line: Substring) throws -> [String] {
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex && line[next] == "\"" {
                        cell.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                cells.append(cell)
                cell = ""
            } else {
                cell.append(c)
            }
            index = line.index(after: index)
        }
        if quoted { throw UnclosedQuote() }
        cells.append(cell)
        return cells
    }

    /// An address or CIDR prefix in text (`192.168.10.0/24`, `2001:db8::/32`, a bare address: all its bits).
    public static func parsePrefix(_ text: String) -> Prefix? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(text: String(parts[0])) else { return nil }
        let width = address.version == 4 ? 32 : 128
        var bits = width
        if parts.count == 2 {
            guard let b = Int(parts[1]), (0...width).contains(b) else { return nil }
            bits = b
        }
        return Prefix(address: address, bits: bits)
    }

    static func parsePorts(_ text: String) -> ClosedRange<UInt16>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmed }
        guard parts.count <= 2, let low = UInt16(parts[0]) else { return nil }
        let high = parts.count == 2 ? UInt16(parts[1]) : low
        guard let high, low <= high else { return nil }
        return low...high
    }

    /// ISO 8601 with an explicit offset, or epoch milliseconds, as nanoseconds since the epoch.
    public static func parseTime(_ text: String) -> Int64? {
        if text.allSatisfy(\.isASCIIDigit), let ms = Int64(text), ms < Int64.max / 1_000_000 {
            return ms * 1_000_000
        }
        let b = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= b.count else { return nil }
            var v = 0
            for k in 0..<digits {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += digits
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count && b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2) else {
            return nil
        }
        guard i < b.count && (b[i] == 84 || b[i] == 116 || b[i] == 32) else { return nil }  // T, t or a space
        i += 1
        guard let hour = number(2), expect(58), let minute = number(2) else { return nil }
        var second = 0
        var nanos = 0
        if expect(58) {
            guard let s = number(2) else { return nil }
            second = s
            if expect(46) || expect(44) {
                var digits = 0
                while i < b.count && b[i] >= 48 && b[i] <= 57 {
                    if digits < 9 { nanos = nanos * 10 + Int(b[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 9) { nanos *= 10 }
            }
        }
        var offset = 0
        if expect(90) || expect(122) {  // Z
            offset = 0
        } else if i < b.count && (b[i] == 43 || b[i] == 45) {  // + or -
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = number(2) else { return nil }
            _ = expect(58)
            guard let om = number(2) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil  // no offset: a local time would depend on the machine
        }
        guard i == b.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return seconds * 1_000_000_000 + Int64(nanos)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension StringProtocol {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// One traffic pattern of the live sweep: iperf3 UDP at a rate (bits/s, 0 unlimited) and datagram length, or TCP
/// unlimited.
public struct LiveScenario: Hashable, Sendable {
    /// TCP (unlimited) rather than UDP.
    public var tcp: Bool
    /// The UDP rate in bits per second; 0 is unlimited.
    public var bitsPerSecond: UInt64
    /// The UDP datagram length in bytes.
    public var length: Int

    /// A scenario; `bitsPerSecond` and `length` matter for UDP only.
    public init(tcp: Bool, bitsPerSecond: UInt64, length: Int) {
        self.tcp = tcp
        self.bitsPerSecond = bitsPerSecond
        self.length = length
    }

    /// The name in tables, files and `--scenarios`: `udp-10M-1448`, `udp-unlimited-148`, `tcp-unlimited`.
    public var name: String {
        if tcp { return "tcp-unlimited" }
        let rate = bitsPerSecond == 0 ? "unlimited" : "\(bitsPerSecond / 1_000_000)M"
        return "udp-\(rate)-\(length)"
    }

    /// The study's sweep: UDP 1, 2, 3, 4, 5, 10 Mb/s at 1448 bytes, UDP unlimited at 148, 724 and 1448 bytes, TCP
    /// unlimited.
    public static let defaultSweep =
        [1, 2, 3, 4, 5, 10].map { LiveScenario(tcp: false, bitsPerSecond: UInt64($0) * 1_000_000, length: 1448) }
        + [148, 724, 1448].map { LiveScenario(tcp: false, bitsPerSecond: 0, length: $0) }
        + [LiveScenario(tcp: true, bitsPerSecond: 0, length: 0)]

    /// The scenario a name stands for (`tcp` is short for `tcp-unlimited`). Throws a `BenchError` saying how a
    /// scenario is written.
    public static func parse(_ word: String) throws(BenchError) -> LiveScenario {
        if word == "tcp-unlimited" || word == "tcp" { return LiveScenario(tcp: true, bitsPerSecond: 0, length: 0) }
        let parts = word.split(separator: "-")
        guard parts.count == 3, parts[0] == "udp", let length = Int(parts[2]), (32...1472).contains(length) else {
            throw BenchError(
                "--scenarios: '\(word)' is not a scenario: use udp-RATE-LENGTH (RATE like 1M, 10M or unlimited; LENGTH 32-1472 bytes) or tcp-unlimited"
            )
        }
        if parts[1] == "unlimited" { return LiveScenario(tcp: false, bitsPerSecond: 0, length: length) }
        guard parts[1].hasSuffix("M"), let megabits = UInt64(parts[1].dropLast()), (1...100_000).contains(megabits)
        else {
            throw BenchError("--scenarios: rate '\(parts[1])' in '\(word)' must be like 1M, 10M (Mb/s) or unlimited")
        }
        return LiveScenario(tcp: false, bitsPerSecond: megabits * 1_000_000, length: length)
    }

    /// The scenarios of a `--scenarios` value (comma separated, in the order given); nil stands for the default
    /// sweep. Throws a `BenchError` for a word that is not a scenario, or when the list names none.
    public static func parseList(_ text: String?) throws(BenchError) -> [LiveScenario] {
        guard let text else { return defaultSweep }
        var list: [LiveScenario] = []
        for word in text.split(separator: ",") { list.append(try parse(String(word).trimmingSpaces)) }
        if list.isEmpty { throw BenchError("--scenarios names no scenario") }
        return list
    }

    /// The iperf3 client arguments of this scenario (the duration aside).
    public var iperfArguments: [String] {
        tcp ? [] : ["-u", "-b", bitsPerSecond == 0 ? "0" : String(bitsPerSecond), "-l", String(length)]
    }
}

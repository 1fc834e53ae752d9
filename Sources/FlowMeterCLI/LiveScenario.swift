import ArgumentParser

/// One traffic pattern of the live sweep: iperf3 UDP at a rate (bits/s, 0 unlimited) and datagram length, or TCP
/// unlimited.
struct LiveScenario: Hashable {
    var tcp: Bool
    var bitsPerSecond: UInt64
    var length: Int

    var name: String {
        if tcp { return "tcp-unlimited" }
        let rate = bitsPerSecond == 0 ? "unlimited" : "\(bitsPerSecond / 1_000_000)M"
        return "udp-\(rate)-\(length)"
    }

    /// The study's sweep: UDP 1, 2, 3, 4, 5, 10 Mb/s at 1448 bytes, UDP unlimited at 148, 724 and 1448 bytes, TCP
    /// unlimited.
    static let defaultSweep =
        [1, 2, 3, 4, 5, 10].map { LiveScenario(tcp: false, bitsPerSecond: UInt64($0) * 1_000_000, length: 1448) }
        + [148, 724, 1448].map { LiveScenario(tcp: false, bitsPerSecond: 0, length: $0) }
        + [LiveScenario(tcp: true, bitsPerSecond: 0, length: 0)]

    static func parse(_ word: String) throws -> LiveScenario {
        if word == "tcp-unlimited" || word == "tcp" { return LiveScenario(tcp: true, bitsPerSecond: 0, length: 0) }
        let parts = word.split(separator: "-")
        guard parts.count == 3, parts[0] == "udp", let length = Int(parts[2]), (32...1472).contains(length) else {
            throw ValidationError(
                "--scenarios: '\(word)' is not a scenario: use udp-RATE-LENGTH (RATE like 1M, 10M or unlimited; LENGTH 32-1472 bytes) or tcp-unlimited"
            )
        }
        if parts[1] == "unlimited" { return LiveScenario(tcp: false, bitsPerSecond: 0, length: length) }
        guard parts[1].hasSuffix("M"), let megabits = UInt64(parts[1].dropLast()), (1...100_000).contains(megabits) else {
            throw ValidationError("--scenarios: rate '\(parts[1])' in '\(word)' must be like 1M, 10M (Mb/s) or unlimited")
        }
        return LiveScenario(tcp: false, bitsPerSecond: megabits * 1_000_000, length: length)
    }

    var iperfArguments: [String] {
        tcp ? [] : ["-u", "-b", bitsPerSecond == 0 ? "0" : String(bitsPerSecond), "-l", String(length)]
    }
}

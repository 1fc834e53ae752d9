import FlowPacket
import FlowTestSupport
import Foundation
import Testing

/// `--labels RULES.csv` end to end: flows of a generated capture labelled by a schedule, in both orientations,
/// IPv4 and IPv6, by time window and port range; problems in the rule file stop the run before any input is read.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.timeLimit(.minutes(10))) struct LabelTests {
    /// t is in seconds after 2017-07-04T12:00:00Z.
    static let base = 1_499_169_600

    static func frame(_ src: String, _ dst: String, _ sport: UInt16, _ dport: UInt16) -> [UInt8] {
        let v6 = src.contains(":")
        let udp = PacketBuilder.udp(sport: sport, dport: dport, PacketBuilder.payload(10))
        return PacketBuilder.ethernet(
            type: v6 ? EtherType.ipv6 : EtherType.ipv4,
            v6
                ? PacketBuilder.ipv6(src: src, dst: dst, nextHeader: IPProtocol.udp, udp)
                : PacketBuilder.ipv4(src: src, dst: dst, protocol: IPProtocol.udp, udp))
    }

    /// Five one-packet flows: (source, destination, ports, seconds after base).
    static let flows: [(String, String, UInt16, UInt16, Int)] = [
        ("205.174.165.73", "192.168.10.50", 40001, 21, 60),  // attacker → victim, in the window
        ("192.168.10.50", "205.174.165.73", 21, 40002, 120),  // victim's packet first, in the window
        ("205.174.165.73", "192.168.10.50", 40003, 21, 7200),  // after the window
        ("2001:db8:1::7", "2001:db8:2::9", 5000, 8443, 300),  // IPv6, port in the range
        ("192.168.10.9", "8.8.8.8", 5353, 53, 60),  // nothing matches
    ]

    static func capture() -> Data {
        var writer = PcapFileWriter()
        for f in flows.sorted(by: { $0.4 < $1.4 }) {
            writer.append(frame(f.0, f.1, f.2, f.3), seconds: base + f.4, microseconds: 0)
        }
        return Data(writer.bytes)
    }

    static let rules = """
        label,src,dst,dst_port,protocol,start,end
        FTP-Patator,205.174.165.73,192.168.10.50,21,udp,2017-07-04T09:00:00-03:00,2017-07-04T10:00:00-03:00
        v6-scan,2001:db8:1::/48,2001:db8::/32,8000-8999,,,
        """

    static func rows(_ stdout: Data) -> [[String]] {
        String(decoding: stdout, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
            .map { $0.components(separatedBy: ",") }
    }

    @Test func flowsGetTheFirstMatchingRulesLabelInEitherOrientationAndTheDefaultOtherwise() throws {
        let scratch = try ScratchDirectory()
        try Self.capture().write(to: URL(fileURLWithPath: scratch.path("c.pcap")))
        try Self.rules.write(toFile: scratch.path("rules.csv"), atomically: true, encoding: .utf8)
        let result = try CLIRunner.run([
            "convert", scratch.path("c.pcap"), "-o", "-", "--dissections", "0", "--statistics",
            "--labels", scratch.path("rules.csv"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let table = Self.rows(result.stdout)
        let header = try #require(table.first)
        // After the core columns (…dst2src_bytes), before the statistics.
        let label = try #require(header.firstIndex(of: "label"))
        #expect(header[label - 1] == "dst2src_bytes" && header[label + 1] == "label_rule")
        #expect(header[label + 2] == "bidirectional_min_ps")
        let port = try #require(header.firstIndex(of: "src_port"))
        let got = Dictionary(uniqueKeysWithValues: table.dropFirst().map { ($0[port], [$0[label], $0[label + 1]]) })
        #expect(got["40001"] == ["FTP-Patator", "2"])
        #expect(got["21"] == ["FTP-Patator", "2"])  // the victim spoke first: still the attack
        #expect(got["40003"] == ["BENIGN", ""])  // outside the window
        #expect(got["5000"] == ["v6-scan", "3"])
        #expect(got["5353"] == ["BENIGN", ""])
    }

    @Test func theDefaultLabelAndTheTimeMatchCanBeChosen() throws {
        let scratch = try ScratchDirectory()
        try Self.capture().write(to: URL(fileURLWithPath: scratch.path("c.pcap")))
        try "label,start,end\nearly,,2017-07-04T12:01:30Z\n".write(
            toFile: scratch.path("rules.csv"), atomically: true, encoding: .utf8)
        let result = try CLIRunner.run([
            "convert", scratch.path("c.pcap"), "-o", "-", "--dissections", "0", "--labels", scratch.path("rules.csv"),
            "--default-label", "normal", "--label-time", "within",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let table = Self.rows(result.stdout)
        let label = try #require(table.first?.firstIndex(of: "label"))
        #expect(table.dropFirst().map { $0[label] }.sorted() == ["early", "early", "normal", "normal", "normal"])
    }

    @Test func aBadRuleFileStopsTheRunBeforeAnyInputIsReadNamingFileLineAndField() throws {
        let scratch = try ScratchDirectory()
        try Self.capture().write(to: URL(fileURLWithPath: scratch.path("c.pcap")))
        let rules = scratch.path("rules.csv")
        try "label,src\nok,10.0.0.1\nbad,10.0.0.300\n".write(toFile: rules, atomically: true, encoding: .utf8)
        let output = scratch.path("out.csv")
        let result = try CLIRunner.run(["convert", scratch.path("c.pcap"), "-o", output, "--labels", rules])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--labels: \(rules):3: field 'src': '10.0.0.300': not an IPv4 or IPv6 address"))
        #expect(!FileManager.default.fileExists(atPath: output))
        let missing = try CLIRunner.run(["convert", scratch.path("c.pcap"), "-o", output, "--labels", scratch.path("nope.csv")])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("nope.csv") && missing.stderr.contains("cannot read the rule file"))
        let orphan = try CLIRunner.run(["convert", scratch.path("c.pcap"), "-o", output, "--default-label", "x"])
        #expect(orphan.status == 64 && orphan.stderr.contains("--default-label needs --labels"))
    }
}

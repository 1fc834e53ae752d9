import FlowDataset
import FlowPacket
import Foundation
import Testing

@Suite struct LabelRulesTests {
    static func address(_ text: String) -> IPAddress { IPAddress(text: text)! }
    static let second: Int64 = 1_000_000_000

    static func rules(_ text: String, _ match: LabelRules.TimeMatch = .overlap) throws -> LabelRules {
        try LabelRules.parse(text, path: "rules.csv", timeMatch: match)
    }

    static func label(
        _ rules: LabelRules, _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, proto: UInt8 = 6,
        first: Int64 = 0, last: Int64 = 0
    ) -> String? {
        rules.match(
            source: address(src), sourcePort: sport, destination: address(dst), destinationPort: dport,
            protocol: proto, first: first, last: last)?.label
    }

    @Test func iso8601TimesWithOffsetsAndEpochMillisecondsAreNanosecondsSinceTheEpoch() {
        #expect(LabelRules.parseTime("1970-01-01T00:00:00Z") == 0)
        // CIC-IDS2017's Tuesday, 9:20 in New Brunswick (ADT, UTC-3) is 12:20 UTC.
        #expect(LabelRules.parseTime("2017-07-04T09:20:00-03:00") == 1_499_170_800 * Self.second)
        #expect(LabelRules.parseTime("2017-07-04T12:20:00Z") == 1_499_170_800 * Self.second)
        #expect(LabelRules.parseTime("2017-07-04 14:20:00+0200") == 1_499_170_800 * Self.second)
        #expect(LabelRules.parseTime("2000-02-29T23:59:59.123456789+00:00") == 951_868_799 * Self.second + 123_456_789)
        #expect(LabelRules.parseTime("1499170800000") == 1_499_170_800 * Self.second)
        // A local time without an offset would depend on the machine: refused.
        #expect(LabelRules.parseTime("2017-07-04T09:20:00") == nil)
        #expect(LabelRules.parseTime("2017-13-04T09:20:00Z") == nil)
        #expect(LabelRules.parseTime("yesterday") == nil)
    }

    @Test func prefixesMatchTheirLeadingBitsInEachFamily() throws {
        let net = try #require(LabelRules.parsePrefix("192.168.10.0/24"))
        #expect(net.contains(Self.address("192.168.10.50")))
        #expect(!net.contains(Self.address("192.168.11.50")))
        #expect(!net.contains(Self.address("::ffff:192.168.10.50")))
        let six = try #require(LabelRules.parsePrefix("2001:db8:aa::/48"))
        #expect(six.contains(Self.address("2001:db8:aa:1::5")))
        #expect(!six.contains(Self.address("2001:db8:ab::5")))
        let wide = try #require(LabelRules.parsePrefix("2001:db8::/100"))
        #expect(wide.contains(Self.address("2001:db8::fff:ffff")))
        #expect(!wide.contains(Self.address("2001:db8::1000:0")))
        #expect(LabelRules.parsePrefix("0.0.0.0/0")!.contains(Self.address("8.8.8.8")))
        #expect(LabelRules.parsePrefix("10.0.0.0/33") == nil)
        #expect(LabelRules.parsePrefix("10.0.0/8") == nil)
    }

    @Test func aRuleMatchesEitherOrientationUnlessItsDirectionSaysOtherwise() throws {
        let r = try Self.rules("""
            label,src,dst,dst_port,protocol,direction
            attack,205.174.165.73,192.168.10.50,21,tcp,any
            reply-only,192.168.10.51,205.174.165.73,,tcp,backward
            """)
        // The attacker opened the connection: the flow's src is the attacker.
        #expect(Self.label(r, "205.174.165.73", 40000, "192.168.10.50", 21) == "attack")
        // The victim's first packet came first (a capture that started mid-connection): still the attack.
        #expect(Self.label(r, "192.168.10.50", 21, "205.174.165.73", 40000) == "attack")
        #expect(Self.label(r, "205.174.165.73", 40000, "192.168.10.50", 22) == nil)
        #expect(Self.label(r, "205.174.165.73", 40000, "192.168.10.50", 21, proto: 17) == nil)
        // backward: only when the flow's src is the rule's dst.
        #expect(Self.label(r, "205.174.165.73", 5000, "192.168.10.51", 80) == "reply-only")
        #expect(Self.label(r, "192.168.10.51", 80, "205.174.165.73", 5000) == nil)
    }

    @Test func theFirstMatchingRuleWinsAndPortRangesAreInclusive() throws {
        let r = try Self.rules("""
            # a comment, then a blank line

            label,dst_port,src
            high,1024-2048,
            "web, plain",80,10.0.0.0/8
            any-from-ten,,10.0.0.0/8
            """)
        #expect(Self.label(r, "10.1.1.1", 50000, "10.2.2.2", 2048) == "high")
        #expect(Self.label(r, "10.1.1.1", 50000, "10.2.2.2", 2049) == "any-from-ten")
        #expect(Self.label(r, "10.1.1.1", 50000, "10.2.2.2", 80) == "web, plain")
        #expect(r.rules.map(\.line) == [4, 5, 6])
    }

    @Test func timeWindowsMatchByStartOverlapOrWithin() throws {
        let text = """
            label,start,end
            window,1000,2000
            """
        let ms: Int64 = 1_000_000
        for (mode, expected) in [
            (LabelRules.TimeMatch.start, [false, true, true, false]), (.overlap, [true, true, true, false]),
            (.within, [false, true, false, false]),
        ] {
            let r = try Self.rules(text, mode)
            // Spans: [500, 1500] starts before; [1200, 1800] inside; [1500, 2500] ends after; [2000, 2100] after
            // (the window is [start, end)).
            let spans: [(Int64, Int64)] = [(500, 1500), (1200, 1800), (1500, 2500), (2000, 2100)]
            let got = spans.map { Self.label(r, "1.1.1.1", 1, "2.2.2.2", 2, first: $0.0 * ms, last: $0.1 * ms) != nil }
            #expect(got == expected, "\(mode)")
        }
    }

    @Test func problemsNameTheFileTheLineAndTheField() {
        func problem(_ text: String) -> String {
            do {
                _ = try Self.rules(text)
                return "no problem"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem("label,src\nx,300.1.1.1\n") == "rules.csv:2: field 'src': '300.1.1.1': not an IPv4 or IPv6 address or CIDR prefix (e.g. 192.168.10.0/24, 2001:db8::/32)")
        #expect(problem("label,dst_port\nx,80-20\n").hasPrefix("rules.csv:2: field 'dst_port': '80-20'"))
        #expect(problem("label,start\n\nx,2017-07-04T09:20:00\n").hasPrefix("rules.csv:3: field 'start': '2017-07-04T09:20:00': not a time"))
        #expect(problem("label,colour\nx,red\n").hasPrefix("rules.csv:1: field 'colour': unknown field"))
        #expect(problem("src,dst\n1.1.1.1,2.2.2.2\n") == "rules.csv:1: field 'label': the header has no label field")
        #expect(problem("label,src\n,1.1.1.1\n") == "rules.csv:2: field 'label': a rule needs a label")
        #expect(problem("label,src\nx\n") == "rules.csv:2: 1 fields where the header has 2")
        #expect(problem("label,start,end\nx,2000,1000\n") == "rules.csv:2: field 'end': the window ends before it starts")
        #expect(problem("label,protocol\nx,tcpx\n").hasPrefix("rules.csv:2: field 'protocol': 'tcpx'"))
        #expect(problem("label,direction\nx,sideways\n").hasPrefix("rules.csv:2: field 'direction'"))
        #expect(problem("label\n\"x\n") == "rules.csv:2: an unclosed quote")
        #expect(problem("# only a comment\n") == "rules.csv:1: the rule file has no header line (label,src,dst,…)")
    }

    @Test func theExampleScheduleReadsAsFourRulesInUTC() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("Examples/labels/cic-ids2017-tuesday.csv").path
        let r = try LabelRules.read(path: path)
        #expect(r.rules.map(\.label) == ["FTP-Patator", "FTP-Patator", "SSH-Patator", "SSH-Patator"])
        // 9:20 ADT is 12:20 UTC.
        #expect(r.rules[0].start == 1_499_170_800 * Self.second)
        #expect(r.rules[2].end == (1_499_170_800 + 5 * 3600 + 40 * 60) * Self.second)
        #expect(Self.label(r, "192.168.10.50", 21, "172.16.0.1", 50000, first: 1_499_171_000 * Self.second,
                           last: 1_499_171_001 * Self.second) == "FTP-Patator")
    }
}

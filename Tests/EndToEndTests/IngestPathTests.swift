import FlowCapture
import FlowIngest
import FlowFeatures
import FlowMeter
import FlowPacket
import FlowStreamer
import FlowTestSupport
import FlowWriters
import Foundation
import Testing

/// The three ingestion paths (direct, tshark in both formats, object) meter the same flows: same CSV bytes,
/// statistics and early-packet columns included, on the conformance captures and on generated fixtures.
@Suite
struct IngestPathTests {
    static let pcapDirectory = CLIRunner.packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/conformance/pcaps").path
    static let corpus: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: pcapDirectory)) ?? []).sorted()
    }()
    static let corpusPresent = !corpus.isEmpty
    static let tsharkPresent = ChildProcess.which("tshark") != nil

    /// Captures whose records tshark cannot print faithfully: its text output has no way to give a microsecond
    /// field outside 0…999999 (this fuzzed record's is 0xffea9138, which libpcap reads as -1404616 µs) or a wire
    /// length of 2^31 or more (tshark prints 2147483647). Only the tshark paths differ on them.
    static let tsharkUnrepresentable: Set<String> = ["fuzz-2021-06-07-c6c72a0a56.pcap"]

    /// PDML output is about a hundred times larger than the fields output and tshark writes it slowly: a sample of
    /// the corpus, every third capture under 256 KB plus every capture with a tunnel or VLAN in its name.
    static let pdmlSample: [String] = corpus.filter { size(of: $0) < 262_144 }.enumerated().filter { index, name in
        index % 3 == 0 || ["gtp", "vxlan", "capwap", "tzsp", "vlan", "gre"].contains { name.lowercased().contains($0) }
    }.map(\.element)

    static func size(of capture: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: pcapDirectory + "/" + capture))?[.size] as? Int) ?? 0
    }

    static func convert(
        _ path: String, ingest: IngestPath, format: TsharkFormat = .fields, decodeTunnels: Bool = true
    ) throws -> (csv: String, report: ConversionReport) {
        let scratch = try ScratchDirectory()
        let output = scratch.path("out.csv")
        var configuration = StreamerConfiguration()
        configuration.meter.decodeTunnels = decodeTunnels
        configuration.plugins = [StatisticsPlugin(), SPLTPlugin(length: 10)]
        configuration.threads = 1
        configuration.ingest = ingest
        configuration.tshark.format = format
        let writer = try CSVWriter(path: output, gzip: false)
        let report = try FlowStreamer(configuration: configuration).convert(inputs: [path], writer: writer)
        return (try String(contentsOfFile: output, encoding: .utf8), report)
    }

    static func assertSameFlows(_ path: String, paths: [(IngestPath, TsharkFormat)]) throws {
        let reference = try convert(path, ingest: .direct)
        for (ingest, format) in paths {
            let other = try convert(path, ingest: ingest, format: format)
            let label = ingest == .tshark ? "tshark-\(format.rawValue)" : ingest.rawValue
            #expect(other.report.packetsRead == reference.report.packetsRead, "\(label): packets read on \(path)")
            #expect(other.report.ignored == reference.report.ignored, "\(label): packets ignored on \(path)")
            #expect(other.report.inputError == nil, "\(label): \(String(describing: other.report.inputError))")
            #expect(other.csv == reference.csv, "\(label) writes other flows than direct on \(path)")
        }
    }

    @Test(.enabled(if: corpusPresent, "../shared/conformance not found"), arguments: corpus)
    func objectPathWritesTheSameFlowsAsDirect(capture: String) throws {
        try Self.assertSameFlows(Self.pcapDirectory + "/" + capture, paths: [(.object, .pdml)])
    }

    @Test(
        .enabled(if: corpusPresent && tsharkPresent, "needs ../shared/conformance and tshark"),
        arguments: corpus.filter { !tsharkUnrepresentable.contains($0) })
    func tsharkFieldsPathWritesTheSameFlowsAsDirect(capture: String) throws {
        try Self.assertSameFlows(Self.pcapDirectory + "/" + capture, paths: [(.tshark, .fields)])
    }

    @Test(
        .enabled(if: corpusPresent && tsharkPresent, "needs ../shared/conformance and tshark"),
        arguments: pdmlSample.filter { !tsharkUnrepresentable.contains($0) })
    func tsharkPDMLPathWritesTheSameFlowsAsDirect(capture: String) throws {
        try Self.assertSameFlows(Self.pcapDirectory + "/" + capture, paths: [(.tshark, .pdml)])
    }

    @Test(.enabled(if: corpusPresent && tsharkPresent, "needs ../shared/conformance and tshark"))
    func tsharkCannotCarryAnOutOfRangeMicrosecondField() throws {
        // The one known difference, kept honest: if tshark ever prints it faithfully, this fails and the
        // exclusion above can go.
        let path = Self.pcapDirectory + "/fuzz-2021-06-07-c6c72a0a56.pcap"
        let direct = try Self.convert(path, ingest: .direct)
        let tshark = try Self.convert(path, ingest: .tshark)
        #expect(direct.report.packetsRead == 1 && tshark.report.packetsRead == 1)
        #expect(direct.csv != tshark.csv)
        #expect(direct.csv.contains(",1953631155596,"))
    }

    /// Tunnels, VLAN and MPLS, IPv6 with extension headers, ICMP, truncated and non-IP frames, and timestamps that
    /// exercise every microsecond digit, in one generated capture.
    static func fixture() -> [UInt8] {
        typealias P = PacketBuilder
        var w = PcapFileWriter(linkType: .ethernet)
        let tcp = P.tcp(sport: 40000, dport: 443, flags: 0x18, P.payload(100))
        let inner = P.ipv4(src: "10.9.0.1", dst: "10.9.0.2", protocol: 6, tcp)
        let frames: [[UInt8]] = [
            P.ethernet(type: 0x0800, P.ipv4(src: "192.0.2.1", dst: "192.0.2.2", protocol: 6, tcp)),
            P.ethernet(type: 0x0800, P.ipv4(src: "192.0.2.2", dst: "192.0.2.1", protocol: 6, P.tcp(sport: 443, dport: 40000, flags: 0x10))),
            P.ethernet(type: 0x8100, P.vlan(id: 42, type: 0x0800, P.ipv4(src: "192.0.2.5", dst: "192.0.2.6", protocol: 17, P.udp(sport: 53, dport: 5353, P.payload(30))))),
            P.ethernet(type: 0x8847, P.mpls(labels: [16, 17], P.ipv4(src: "192.0.2.7", dst: "192.0.2.8", protocol: 1, P.icmp(P.payload(56))))),
            P.ethernet(type: 0x86DD, P.ipv6(src: "2001:db8::1", dst: "2001:db8::2", nextHeader: 17, P.udp(sport: 1000, dport: 2000, P.payload(12)))),
            P.ethernet(type: 0x86DD, P.ipv6(src: "2001:db8::2", dst: "2001:db8::1", nextHeader: 58, P.icmpv6(P.payload(8)))),
            P.ethernet(type: 0x0800, P.ipv4(src: "172.16.0.1", dst: "172.16.0.2", protocol: 17, P.udp(sport: 2152, dport: 2152, P.gtpU(inner)))),
            P.ethernet(type: 0x0800, P.ipv4(src: "172.16.0.3", dst: "172.16.0.4", protocol: 17, P.udp(sport: 50000, dport: 4789, P.vxlan(P.ethernet(type: 0x0800, inner))))),
            P.ethernet(type: 0x0806, P.payload(28)),  // ARP: not IP
        ]
        var seconds = 1_700_000_000
        for (i, frame) in frames.enumerated() {
            for k in 0..<3 {
                // 999_999, 000_001, 123_456 …: every digit position of the microseconds matters.
                let micro = [999_999, 1, 123_456, 500_000, 999, 654_321][(i + k) % 6]
                w.append(frame, seconds: seconds, microseconds: micro)
                seconds += 1
            }
        }
        // A frame cut short by the snapshot length, and one whose wire length is longer than what was captured.
        let long = P.ethernet(type: 0x0800, P.ipv4(src: "192.0.2.1", dst: "192.0.2.2", protocol: 6, P.tcp(sport: 40000, dport: 443, flags: 0x18, P.payload(1200))))
        w.append(long, seconds: seconds, microseconds: 7, capturedLength: 96)
        w.append(long, seconds: seconds + 1, microseconds: 8, capturedLength: 20)
        return w.bytes
    }

    @Test(.enabled(if: tsharkPresent, "needs tshark"))
    func everyPathWritesTheSameFlowsOnGeneratedFixtures() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path("fixture.pcap")
        try Data(Self.fixture()).write(to: URL(fileURLWithPath: path))
        try Self.assertSameFlows(path, paths: [(.object, .pdml), (.tshark, .fields), (.tshark, .pdml)])
        let direct = try Self.convert(path, ingest: .direct)
        let rows = direct.csv.split(whereSeparator: \.isNewline)
        #expect(rows.count == 1 + 7)  // header + 7 flows: plain TCP (both directions and the cut frame), VLAN UDP, MPLS ICMP, IPv6 UDP, ICMPv6, GTP-U, VXLAN; ARP makes none
        #expect(direct.report.ignored[Int(DecodeOutcome.notIP.rawValue)] == 3)
        #expect(direct.report.ignored[Int(DecodeOutcome.truncated.rawValue)] == 1)
        // Microseconds reach the millisecond columns unrounded: 1_700_000_000 s + 999_999 µs → …000999.
        #expect(direct.csv.contains(",1700000000999,"))
    }

    @Test func objectPathBuildsOneObjectPerLayerWithTheHeaderFields() throws {
        typealias P = PacketBuilder
        let frame = P.ethernet(
            src: "02:00:00:00:00:0a", dst: "02:00:00:00:00:0b", type: 0x8100,
            P.vlan(id: 7, type: 0x0800, P.ipv4(src: "198.51.100.1", dst: "198.51.100.2", protocol: 6, ttl: 33, P.tcp(sport: 1234, dport: 80, seq: 99, flags: 0x02, window: 512, P.payload(10)))))
        let dissector = ObjectDissector(decoder: PacketDecoder(linkType: .ethernet))
        let (object, outcome) = frame.withUnsafeBytes {
            dissector.dissect($0, wireLength: UInt32(frame.count), seconds: 10, microseconds: 250_000)
        }
        #expect(outcome == .decoded)
        let packet = try #require(object)
        var names: [String] = []
        var layer = packet.firstLayer
        while let l = layer {
            names.append(l.name)
            layer = l.payload
        }
        #expect(names == ["Ether", "Dot1Q", "Encapsulation", "IP", "TCP", "Raw"])
        #expect(packet.layer(named: "IP")?.int("ttl") == 33)
        #expect(packet.layer(named: "TCP")?.int("seq") == 99)
        #expect(packet.layer(named: "TCP")?.underlayer === packet.layer(named: "IP"))
        #expect(packet.layer(named: "Raw")?.fields["load"] == .bytes(P.payload(10)))
        let decoded = dissector.decodedPacket(from: packet)
        var direct = DecodedPacket()
        _ = frame.withUnsafeBytes { PacketDecoder(linkType: .ethernet).decode($0, wireLength: UInt32(frame.count), into: &direct) }
        #expect(decoded.time == 10_250)
        #expect(decoded.vlanID == 7 && direct.vlanID == 7)
        #expect(decoded.source == direct.source && decoded.destination == direct.destination)
        #expect(decoded.sourcePort == 1234 && decoded.destinationPort == 80 && decoded.tcpFlags == 0x02)
        #expect(decoded.tcpWindow == 512 && decoded.payloadSize == direct.payloadSize)
        #expect(decoded.ipOffset == direct.ipOffset && decoded.payloadOffset == direct.payloadOffset)
    }

    // MARK: tshark child

    @Test func aMissingTsharkIsAClearError() throws {
        let result = try CLIRunner.run([
            "convert", "--ingest", "tshark", "--tshark-path", "/nonexistent/tshark", CLIRunner.sampleCapture, "-o", "-",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--tshark-path"))
        #expect(result.stderr.contains("apt-get install tshark"))
        #expect(result.stdout.isEmpty)
    }

    @Test func aFailingTsharkIsQuotedAndReaped() throws {
        let scratch = try ScratchDirectory()
        let fake = scratch.path("tshark")
        let pidFile = scratch.path("pid")
        try "#!/bin/sh\necho $$ > \(pidFile)\necho 'tshark: The file \"x\" appears to be damaged or corrupt.' >&2\nexit 2\n"
            .write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        var configuration = StreamerConfiguration()
        configuration.ingest = .tshark
        configuration.tshark.executable = fake
        configuration.threads = 1
        let writer = try CSVWriter(path: scratch.path("out.csv"), gzip: false)
        let report = try FlowStreamer(configuration: configuration).convert(
            inputs: [CLIRunner.sampleCapture], writer: writer)
        let message = try #require(report.inputError).description
        #expect(message.contains("exit status 2"))
        #expect(message.contains("appears to be damaged or corrupt"))
        let pid = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Reaped: not even a zombie is left (kill(pid, 0) succeeds on a zombie).
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func aTsharkThatStopsWritingMidPacketIsAnError() throws {
        let scratch = try ScratchDirectory()
        let fake = scratch.path("tshark")
        try "#!/bin/sh\nprintf '1.000001\\t60\\t60\\t1\\tffff'\n".write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        var configuration = StreamerConfiguration()
        configuration.ingest = .tshark
        configuration.tshark.executable = fake
        configuration.tshark.format = .fields
        configuration.threads = 1
        let writer = try CSVWriter(path: scratch.path("out.csv"), gzip: false)
        let report = try FlowStreamer(configuration: configuration).convert(
            inputs: [CLIRunner.sampleCapture], writer: writer)
        #expect(report.inputError?.description.contains("middle of a packet") == true)
        #expect(report.packetsRead == 0)
    }
}

/// The parser of tshark's output, on text as tshark 4.0 writes it.
@Suite
struct TsharkOutputParserTests {
    static func epoch(_ text: String) -> (Int, Int)? {
        Array(text.utf8).withUnsafeBytes { TsharkOutputParser.parseEpoch($0) }.map { ($0.seconds, $0.microseconds) }
    }

    @Test func epochTimesAreParsedExactlyToTheMicrosecond() {
        #expect(Self.epoch("1614860228.394057000")! == (1_614_860_228, 394_057))
        #expect(Self.epoch("1614860228.999999999")! == (1_614_860_228, 999_999))  // dropped, not rounded up
        #expect(Self.epoch("0.000001000")! == (0, 1))
        #expect(Self.epoch("12")! == (12, 0))
        #expect(Self.epoch("5.5")! == (5, 500_000))
        #expect(Self.epoch("-1.250000000")! == (-2, 750_000))
        #expect(Self.epoch("-3.000000000")! == (-3, 0))
        #expect(Self.epoch("") == nil)
        #expect(Self.epoch("1.2x") == nil)
        #expect(Self.epoch("abc") == nil)
    }

    static let pdml = """
        <?xml version="1.0" encoding="utf-8"?>
        <pdml version="0" creator="wireshark/4.0.17">
        <packet>
          <proto name="frame" showname="Frame 1" size="4" pos="0">
            <field name="frame.encap_type" showname="Encapsulation type: Ethernet (1)" size="0" pos="0" show="1"/>
            <field name="frame.time_epoch" showname="Epoch Time" size="0" pos="0" show="1700000000.000123000"/>
            <field name="frame.len" showname="Frame Length" size="0" pos="0" show="64"/>
            <field name="frame.cap_len" showname="Capture Length" size="0" pos="0" show="4"/>
          </proto>
          <proto name="eth" showname="Ethernet II, Src: a &amp; b" size="4" pos="0">
            <field name="eth.dst" showname="Destination" size="4" pos="0" show="de:ad:be:ef" value="deadbeef"/>
          </proto>
          <proto name="flowmeter_raw" showname="flowmeter raw frame" size="4" pos="0">
            <field name="flowmeter_raw.frame" showname="Frame bytes: deadbeef" size="4" pos="0" show="de:ad:be:ef" value="DEADbeef"/>
          </proto>
        </packet>

        """

    @Test func aPDMLPacketIsFoundWhateverTheChunksItArrivesIn() {
        let bytes = Array(Self.pdml.utf8)
        var parser = TsharkOutputParser(format: .pdml)
        defer { parser.deallocate() }
        // Every prefix short of the closing tag needs more; the whole text gives the packet.
        for cut in stride(from: 0, to: bytes.count - 12, by: 7) {
            let result = bytes[0..<cut].withUnsafeBytes { parser.parse($0) }
            guard case .needMore = result else {
                Issue.record("a \(cut)-byte prefix did not ask for more")
                return
            }
        }
        let result = bytes.withUnsafeBytes { parser.parse($0) }
        guard case .frame(let consumed) = result else {
            Issue.record("no packet found: \(result)")
            return
        }
        #expect(consumed == bytes.count - 1)  // up to and including </packet>, not the newline after it
        #expect(parser.frame.seconds == 1_700_000_000 && parser.frame.microseconds == 123)
        #expect(parser.frame.wireLength == 64 && parser.frame.capturedLength == 4 && parser.frame.encapsulation == 1)
        #expect(Array(parser.frame.bytes) == [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(parser.elementsParsed > 40)  // every element and attribute was tokenised
    }

    @Test func aFieldsLineCarriesTimeLengthsAndBytes() {
        var parser = TsharkOutputParser(format: .fields)
        defer { parser.deallocate() }
        let line = Array("1.000001000\t60\t3\t1\t0a0b0c\nrest".utf8)
        let result = line.withUnsafeBytes { parser.parse($0) }
        guard case .frame(let consumed) = result else {
            Issue.record("no packet found")
            return
        }
        #expect(consumed == 26)
        #expect(parser.frame.seconds == 1 && parser.frame.microseconds == 1)
        #expect(Array(parser.frame.bytes) == [10, 11, 12])
    }

    @Test func malformedOutputIsReportedNotTrusted() {
        var parser = TsharkOutputParser(format: .fields)
        defer { parser.deallocate() }
        for bad in ["1.0\t60\t3\t1\t0a0b\n", "1.0\t60\t2\t1\t0a0g\n", "1.0\t60\n", "x\t60\t1\t1\t0a\n"] {
            let result = Array(bad.utf8).withUnsafeBytes { parser.parse($0) }
            guard case .invalid = result else {
                Issue.record("'\(bad)' was accepted")
                continue
            }
        }
        var pdml = TsharkOutputParser(format: .pdml)
        defer { pdml.deallocate() }
        let noBytes = Array("<packet><field name=\"frame.len\" show=\"60\"/></packet>".utf8)
        guard case .invalid = noBytes.withUnsafeBytes({ pdml.parse($0) }) else {
            Issue.record("a packet without its bytes was accepted")
            return
        }
    }
}

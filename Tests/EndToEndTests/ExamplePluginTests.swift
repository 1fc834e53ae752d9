import FlowDPI
import FlowPacket
import FlowTestSupport
import Foundation
import Testing

/// The example plugin packages under `Examples/`, built as a user builds them (`swift build --package-path`,
/// one build per package, reusing `.build-examples/<Name>` so later runs are incremental) and run on captures
/// made here. A cold build of both takes about 1.5 minutes on two cores; an incremental one a few seconds.
@Suite("Example plugin packages", .serialized)
struct ExamplePluginTests {
    typealias B = PacketBuilder

    /// Builds `Examples/<package>` and returns the path of its executable `product`.
    static func build(package: String, product: String) throws -> String {
        let root = CLIRunner.packageRoot.path
        let arguments = [
            "build", "--package-path", "\(root)/Examples/\(package)", "--scratch-path",
            "\(root)/.build-examples/\(package)", "--product", product,
        ]
        var built = try run("/usr/bin/env", ["swift"] + arguments)
        if built.status != 0 {
            // SwiftPM's incremental build of a path dependency can keep the source list of its previous build
            // after files of this package were added or renamed ("missing inputs"): build once more from scratch.
            try? FileManager.default.removeItem(atPath: "\(root)/.build-examples/\(package)")
            built = try run("/usr/bin/env", ["swift"] + arguments)
        }
        try #require(built.status == 0, "swift \(arguments.joined(separator: " ")) failed:\n\(built.output)")
        let binPath = try run("/usr/bin/env", ["swift"] + arguments.dropLast(2) + ["--show-bin-path"])
        try #require(binPath.status == 0, "--show-bin-path failed:\n\(binPath.output)")
        let directory = binPath.output.split(separator: "\n").last.map(String.init) ?? ""
        return directory + "/" + product
    }

    /// Runs a program, both output streams into one text.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let scratch = try ScratchDirectory()
        let log = scratch.path("output")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        guard process.waitUntilExit(timeout: 900) else { throw ProcessTimedOut([executable] + arguments, seconds: 900) }
        try handle.close()
        let output = String(decoding: try Data(contentsOf: URL(fileURLWithPath: log)), as: UTF8.self)
        return (process.terminationStatus, output)
    }

    /// Runs an example program on `capture` and returns its CSV rows as dictionaries by column name.
    static func convert(with program: String, _ capture: PcapFileWriter) throws -> [[String: String]] {
        let scratch = try ScratchDirectory()
        let input = scratch.path("input.pcap")
        let output = scratch.path("output.csv")
        try capture.write(to: input)
        let result = try run(program, [input, output])
        try #require(result.status == 0, "\(program) failed:\n\(result.output)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        let lines = text.split(separator: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = try #require(lines.first)
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    static func ethernetIPv4(_ src: String, _ dst: String, _ proto: UInt8, _ l4: [UInt8]) -> [UInt8] {
        B.ethernet(type: EtherType.ipv4, B.ipv4(src: src, dst: dst, protocol: proto, l4))
    }

    // MARK: Payload entropy

    @Test func payloadEntropy() throws {
        let program = try Self.build(package: "PayloadEntropy", product: "payload-entropy")
        var w = PcapFileWriter()
        let t = 1_600_000_000_000
        // TCP: 512 zero bytes src→dst in two segments (entropy 0), bytes 0...255 once each dst→src (entropy 8).
        let zeros = [UInt8](repeating: 0, count: 256)
        let all = (0..<256).map { UInt8($0) }
        w.append(
            Self.ethernetIPv4("10.0.0.1", "10.0.0.2", IPProtocol.tcp, B.tcp(sport: 1000, dport: 80, flags: TCPFlags.ack, zeros)),
            milliseconds: t)
        w.append(
            Self.ethernetIPv4("10.0.0.1", "10.0.0.2", IPProtocol.tcp, B.tcp(sport: 1000, dport: 80, flags: TCPFlags.ack, zeros)),
            milliseconds: t + 1)
        w.append(
            Self.ethernetIPv4("10.0.0.2", "10.0.0.1", IPProtocol.tcp, B.tcp(sport: 80, dport: 1000, flags: TCPFlags.ack, all)),
            milliseconds: t + 2)
        // UDP: "aabb" (two values, equally frequent: 1 bit per byte), no reply.
        w.append(
            Self.ethernetIPv4("10.0.0.3", "10.0.0.4", IPProtocol.udp, B.udp(sport: 5000, dport: 6000, Array("aabb".utf8))),
            milliseconds: t + 3)
        let rows = try Self.convert(with: program, w)
        #expect(rows.count == 2)
        let tcp = try #require(rows.first { $0["protocol"] == "6" })
        #expect(tcp["src2dst_payload_entropy"] == "0.0")
        #expect(tcp["dst2src_payload_entropy"] == "8.0")
        #expect(tcp["src2dst_entropy_bytes"] == "512")
        #expect(tcp["dst2src_entropy_bytes"] == "256")
        let udp = try #require(rows.first { $0["protocol"] == "17" })
        #expect(udp["src2dst_payload_entropy"] == "1.0")
        #expect(udp["dst2src_payload_entropy"] == "0.0")
        #expect(udp["dst2src_entropy_bytes"] == "0")
    }

    /// The example starts from `StreamerConfiguration.flowmeter()`: its rows are `flowmeter convert`'s, byte for
    /// byte, with the plugin's four columns at the end.
    @Test func theExampleWritesFlowmetersUsualColumnsThenItsOwn() throws {
        let program = try Self.build(package: "PayloadEntropy", product: "payload-entropy")
        let scratch = try ScratchDirectory()
        let output = scratch.path("example.csv")
        let example = try Self.run(program, [CLIRunner.sampleCapture, output])
        try #require(example.status == 0, "\(example.output)")
        let convert = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "-q"])
        try #require(convert.status == 0, "\(convert.stderr)")
        let usual = String(decoding: convert.stdout, as: UTF8.self).split(separator: "\r\n").map(String.init)
        let extended = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\r\n").map(String.init)
        #expect(usual.count == 9 && extended.count == usual.count)
        #expect(usual.first?.contains("application_name") == ApplicationDetection.isAvailable)
        for (line, longer) in zip(usual, extended) {
            #expect(longer.hasPrefix(line + ","), "\(longer) does not extend \(line)")
            #expect(longer.dropFirst(line.count + 1).split(separator: ",", omittingEmptySubsequences: false).count == 4)
        }
    }

    // MARK: DNS

    static func dnsName(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") {
            out.append(UInt8(label.utf8.count))
            out += Array(label.utf8)
        }
        return out + [0]
    }

    /// A DNS message with one question and `answers` A records (names compressed to the question).
    static func dns(id: UInt16, response: Bool, name: String, type: UInt16, answers: Int = 0, rcode: UInt16 = 0)
        -> [UInt8]
    {
        var out: [UInt8] = []
        out.appendBE(id)
        out.appendBE(response ? 0x8180 | rcode : 0x0100)
        out.appendBE(UInt16(1))
        out.appendBE(UInt16(answers))
        out.appendBE(UInt32(0))
        out += dnsName(name)
        out.appendBE(type)
        out.appendBE(UInt16(1))
        for i in 0..<answers {
            out += [0xC0, 0x0C]
            out.appendBE(UInt16(1))
            out.appendBE(UInt16(1))
            out.appendBE(UInt32(300))
            out.appendBE(UInt16(4))
            out += [192, 0, 2, UInt8(i + 1)]
        }
        return out
    }

    @Test func dnsQueries() throws {
        let program = try Self.build(package: "DNSQueries", product: "dns-queries")
        var w = PcapFileWriter()
        let t = 1_600_000_000_000
        let client = "10.0.0.1"
        let resolver = "10.0.0.53"
        func query(_ ms: Int, _ sport: UInt16, _ message: [UInt8]) {
            w.append(Self.ethernetIPv4(client, resolver, IPProtocol.udp, B.udp(sport: sport, dport: 53, message)), milliseconds: ms)
        }
        func answer(_ ms: Int, _ dport: UInt16, _ message: [UInt8]) {
            w.append(Self.ethernetIPv4(resolver, client, IPProtocol.udp, B.udp(sport: 53, dport: dport, message)), milliseconds: ms)
        }
        query(t, 33000, Self.dns(id: 0x1234, response: false, name: "www.example.com", type: 1))
        answer(t + 5, 33000, Self.dns(id: 0x1234, response: true, name: "www.example.com", type: 1, answers: 2))
        // The same ports again: the response ended the first flow, so this is a new one.
        query(t + 10, 33000, Self.dns(id: 0x2222, response: false, name: "second.example.com", type: 28))
        answer(t + 12, 33000, Self.dns(id: 0x2222, response: true, name: "second.example.com", type: 28, answers: 1))
        query(t + 20, 33001, Self.dns(id: 0x9999, response: false, name: "nonexistent.example", type: 28))
        answer(t + 21, 33001, Self.dns(id: 0x9999, response: true, name: "nonexistent.example", type: 28, rcode: 3))
        query(t + 30, 33002, Self.dns(id: 0x4242, response: false, name: "lonely.example.org", type: 16))
        let rows = try Self.convert(with: program, w)
        #expect(rows.count == 4)
        func row(_ name: String) throws -> [String: String] {
            try #require(rows.first { $0["dns_query_name"] == name }, "no row for \(name) in \(rows)")
        }
        let first = try row("www.example.com")
        #expect(first["dns_query_type"] == "1")
        #expect(first["dns_answer_count"] == "2")
        #expect(first["dns_response_code"] == "0")
        #expect(first["bidirectional_packets"] == "2")
        #expect(first["expiration_id"] == "-1")
        let second = try row("second.example.com")
        #expect(second["src_port"] == "33000")
        #expect(second["dns_query_type"] == "28")
        #expect(second["dns_answer_count"] == "1")
        let nx = try row("nonexistent.example")
        #expect(nx["dns_answer_count"] == "0")
        #expect(nx["dns_response_code"] == "3")
        let lonely = try row("lonely.example.org")
        #expect(lonely["dns_query_type"] == "16")
        #expect(lonely["dns_answer_count"] == "-1")
        #expect(lonely["dns_response_code"] == "-1")
        #expect(lonely["expiration_id"] == "0")
    }
}

import FlowPacket
import FlowTestSupport
import Foundation
import Testing

/// `--time-unit ms|us|ns` (issue 17): every time column in the unit its name carries, exact to the capture's
/// resolution; milliseconds are NFStream's (the default, unchanged).
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.timeLimit(.minutes(10))) struct TimeUnitTests {
    /// One UDP flow of four packets in a nanosecond capture: A→B, B→A 250,000,001 ns later, A→B 999 ns later,
    /// B→A 2,000,500,000 ns later.
    static let nanoseconds = [
        1_700_000_000_123_456_789, 1_700_000_000_373_456_790, 1_700_000_000_373_457_789, 1_700_000_002_373_957_789,
    ]

    static func capture(nanosecondFile: Bool) -> Data {
        var writer = PcapFileWriter(nanosecond: nanosecondFile)
        for (i, t) in nanoseconds.enumerated() {
            let forward = i % 2 == 0
            let frame = PacketBuilder.ethernet(
                type: EtherType.ipv4,
                PacketBuilder.ipv4(
                    src: forward ? "192.0.2.1" : "192.0.2.2", dst: forward ? "192.0.2.2" : "192.0.2.1",
                    protocol: IPProtocol.udp,
                    PacketBuilder.udp(
                        sport: forward ? 40000 : 53, dport: forward ? 53 : 40000, PacketBuilder.payload(20))))
            let fraction = t % 1_000_000_000
            writer.append(
                frame, seconds: t / 1_000_000_000, microseconds: nanosecondFile ? fraction : fraction / 1000)
        }
        return Data(writer.bytes)
    }

    /// The capture written to `ns.pcap` (nanosecond file) or `us.pcap` in `scratch`; its path.
    static func write(nanosecondFile: Bool, in scratch: ScratchDirectory) throws -> String {
        let path = scratch.path(nanosecondFile ? "ns.pcap" : "us.pcap")
        try capture(nanosecondFile: nanosecondFile).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The single row of a conversion, by column name.
    static func row(_ file: String, _ options: [String]) throws -> [String: String] {
        let result = try CLIRunner.run(
            ["convert", file, "-o", "-", "--dissections", "0", "--statistics", "--splt", "5"] + options)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = String(decoding: result.stdout, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 2)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        // SPLT lists are quoted and hold commas: split the row outside quotes.
        var cells: [String] = []
        var cell = ""
        var quoted = false
        for c in lines[1] {
            if c == "\"" { quoted.toggle() } else if c == "," && !quoted { cells.append(cell); cell = "" } else { cell.append(c) }
        }
        cells.append(cell)
        return Dictionary(uniqueKeysWithValues: zip(header, cells))
    }

    @Test func nanosecondsAreExactInANanosecondCapture() throws {
        let scratch = try ScratchDirectory()
        let file = try Self.write(nanosecondFile: true, in: scratch)
        let r = try Self.row(file, ["--time-unit", "ns"])
        #expect(r["bidirectional_first_seen_ns"] == "1700000000123456789")
        #expect(r["bidirectional_last_seen_ns"] == "1700000002373957789")
        #expect(r["bidirectional_duration_ns"] == "2250501000")
        #expect(r["src2dst_first_seen_ns"] == "1700000000123456789")
        #expect(r["src2dst_duration_ns"] == "250001000")
        #expect(r["dst2src_first_seen_ns"] == "1700000000373456790")
        #expect(r["dst2src_duration_ns"] == "2000500999")
        #expect(r["bidirectional_min_piat_ns"] == "999")
        #expect(r["bidirectional_max_piat_ns"] == "2000500000")
        #expect(r["src2dst_min_piat_ns"] == "250001000")
        #expect(r["dst2src_max_piat_ns"] == "2000500999")
        #expect(r["splt_piat_ns"] == "[0, 250000001, 999, 2000500000, -1]")
        #expect(r.keys.filter { $0.hasSuffix("_ms") }.isEmpty)
    }

    @Test func microsecondsTruncateEachPacketTime() throws {
        let scratch = try ScratchDirectory()
        let file = try Self.write(nanosecondFile: true, in: scratch)
        let r = try Self.row(file, ["--time-unit", "us"])
        #expect(r["bidirectional_first_seen_us"] == "1700000000123456")
        #expect(r["bidirectional_last_seen_us"] == "1700000002373957")
        #expect(r["bidirectional_duration_us"] == "2250501")
        #expect(r["src2dst_duration_us"] == "250001")
        #expect(r["dst2src_duration_us"] == "2000501")
        #expect(r["bidirectional_min_piat_us"] == "1")
        #expect(r["bidirectional_mean_piat_us"] == String(Double(250_000 + 1 + 2_000_500) / 3))
        #expect(r["splt_piat_us"] == "[0, 250000, 1, 2000500, -1]")
    }

    @Test func millisecondsAreNFStreamsAndTheDefault() throws {
        let scratch = try ScratchDirectory()
        let file = try Self.write(nanosecondFile: true, in: scratch)
        let r = try Self.row(file, [])
        #expect(r["bidirectional_first_seen_ms"] == "1700000000123")
        #expect(r["bidirectional_duration_ms"] == "2250")
        #expect(r["src2dst_duration_ms"] == "250")
        #expect(r["dst2src_duration_ms"] == "2000")
        #expect(r["bidirectional_min_piat_ms"] == "0")
        #expect(r["splt_piat_ms"] == "[0, 250, 0, 2000, -1]")
        #expect(try Self.row(file, ["--time-unit", "ms"]) == r)
        // A microsecond capture of the same packets gives the same milliseconds (NFStream's sec*1000 + usec/1000).
        let micro = try Self.write(nanosecondFile: false, in: scratch)
        #expect(try Self.row(micro, []) == r)
    }

    @Test func aMicrosecondCaptureInNanosecondsGivesWholeMicroseconds() throws {
        let scratch = try ScratchDirectory()
        let micro = try Self.write(nanosecondFile: false, in: scratch)
        let r = try Self.row(micro, ["--time-unit", "ns"])
        #expect(r["bidirectional_first_seen_ns"] == "1700000000123456000")
        #expect(r["splt_piat_ns"] == "[0, 250000000, 1000, 2000500000, -1]")
    }

    @Test func timeoutsKeepTheirMeaningInEveryUnit() throws {
        // Idle timeout 2 s: the 2.0005 s gap before the last packet ends the flow in every unit.
        let scratch = try ScratchDirectory()
        let file = try Self.write(nanosecondFile: true, in: scratch)
        for unit in ["ms", "us", "ns"] {
            let result = try CLIRunner.run(
                ["convert", file, "-o", "-", "--dissections", "0", "--idle-timeout", "2", "--time-unit", unit])
            #expect(result.status == 0)
            let lines = String(decoding: result.stdout, as: UTF8.self).components(separatedBy: "\r\n")
                .filter { !$0.isEmpty }
            #expect(lines.count == 3, "unit \(unit): \(lines)")
        }
    }

    @Test func anUnknownUnitIsAUsageError() throws {
        let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--time-unit", "s"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--time-unit"))
    }
}

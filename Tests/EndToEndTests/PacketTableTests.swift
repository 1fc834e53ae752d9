import FlowCapture
import FlowTestSupport
import Foundation
import Testing

/// `flowmeter packets`: every metered packet once, joined to `convert`'s flows by `flow_id`.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.timeLimit(.minutes(10))) struct PacketTableTests {
    static var pcaps: [URL] {
        let folder = CLIRunner.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/pcaps")
        return ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func table(_ data: Data) -> (header: [String], rows: [[String]]) {
        let lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let header = lines.first?.components(separatedBy: ",") ?? []
        return (header, lines.dropFirst().map { $0.components(separatedBy: ",") })
    }

    @Test func joiningPacketsToFlowsReproducesEveryFlowsCountsOnTheConformanceCaptures() throws {
        let all = Self.pcaps
        try #require(!all.isEmpty, "the conformance captures of ../shared are missing")
        var checkedFlows = 0
        // Timeouts short enough to split flows, so flow_id must follow every expiry.
        for (i, pcap) in all.enumerated() where i % 2 == 0 {
            let options = ["--idle-timeout", "1", "--active-timeout", "5", "--dissections", "0", "-q"]
            let packets = try CLIRunner.run(["packets", pcap.path, "-o", "-"] + options.filter { $0 != "-q" })
            let flows = try CLIRunner.run(["convert", pcap.path, "-o", "-"] + options)
            #expect(packets.status == flows.status, "\(pcap.lastPathComponent): \(packets.stderr)")
            let p = Self.table(packets.stdout)
            let f = Self.table(flows.stdout)
            // Every record of the capture is a row or a counted skip.
            let summary = try #require(packets.stderr.split(separator: "\n").first { $0.contains("packet rows of") })
            let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            #expect(numbers.count == 3 && numbers[0] == p.rows.count, "\(summary)")
            #expect(numbers[0] + numbers[2] == Self.records(pcap.path), "\(pcap.lastPathComponent): \(summary)")
            guard !f.rows.isEmpty else { continue }
            let (flowID, direction, length) = (
                try #require(p.header.firstIndex(of: "flow_id")), try #require(p.header.firstIndex(of: "direction")),
                try #require(p.header.firstIndex(of: "frame_length"))
            )
            var counted: [String: (packets: Int, bytes: Int, forward: Int)] = [:]
            for (n, row) in p.rows.enumerated() {
                #expect(row[0] == String(n))  // every packet once, numbered in order
                var c = counted[row[flowID], default: (0, 0, 0)]
                c.packets += 1
                c.bytes += Int(row[length]) ?? 0
                if row[direction] == "0" { c.forward += 1 }
                counted[row[flowID]] = c
            }
            let col = { (name: String) in f.header.firstIndex(of: name)! }
            #expect(counted.count == f.rows.count, "\(pcap.lastPathComponent)")
            for row in f.rows {
                let c = counted[row[0]]
                #expect(c?.packets == Int(row[col("bidirectional_packets")]), "\(pcap.lastPathComponent) flow \(row[0])")
                #expect(c?.bytes == Int(row[col("bidirectional_bytes")]), "\(pcap.lastPathComponent) flow \(row[0])")
                #expect(c?.forward == Int(row[col("src2dst_packets")]), "\(pcap.lastPathComponent) flow \(row[0])")
                checkedFlows += 1
            }
        }
        #expect(checkedFlows > 1000)
    }

    /// Records libpcap reads from a capture (up to a damaged record).
    static func records(_ path: String) -> Int {
        guard let handle = try? PcapHandle.openOffline(path: path) else { return -1 }
        var n = 0
        while case .packet = handle.next() { n += 1 }
        return n
    }

    @Test func packetFieldsAreReadFromTheHeaders() throws {
        let pcap = CLIRunner.packageRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/conformance/pcaps/443-chrome.pcap")
        let r = try CLIRunner.run(["packets", pcap.path, "-o", "-", "-q"])
        let t = Self.table(r.stdout)
        let row = try #require(t.rows.first)
        let v = Dictionary(uniqueKeysWithValues: zip(t.header, row))
        // The one packet of 443-chrome.pcap, as tshark shows it: TCP 178.62.197.130:443 → 192.168.1.13:53059,
        // TTL 52, IP length 1492, ACK, window 501, seq 2361436926, ack 977080718, checksums 0xd7d1 and 0x57ad.
        #expect(v["src_ip"] == "178.62.197.130" && v["dst_port"] == "53059" && v["protocol_name"] == "tcp")
        #expect(v["ttl"] == "52" && v["ip_length"] == "1492" && v["tcp_flags"] == "16" && v["tcp_window"] == "501")
        #expect(v["tcp_seq"] == "2361436926" && v["tcp_ack"] == "977080718")
        #expect(v["ip_checksum"] == "55249" && v["transport_checksum"] == "22445" && v["udp_length"] == "-1")
        #expect(v["flow_id"] == "0" && v["direction"] == "0")
    }

    @Test func anInterruptionLeavesNoPacketTableAndExits130() throws {
        let scratch = try ScratchDirectory()
        let trace = scratch.path("scan.pcap")
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        make.arguments = ["python3", CLIRunner.packageRoot.appendingPathComponent("scripts/make-scan-trace.py").path, "400000", trace]
        try make.run()
        #expect(make.waitUntilExit(timeout: 120))
        try #require(make.terminationStatus == 0)
        let output = scratch.path("packets.csv")
        let run = Process()
        run.executableURL = CLIRunner.executable
        run.arguments = ["packets", trace, "-o", output, "-q"]
        run.standardError = FileHandle.nullDevice
        try run.run()
        Thread.sleep(forTimeInterval: 1.0)
        run.interrupt()
        #expect(run.waitUntilExit(timeout: 60), "the interrupted run did not end")
        #expect(run.terminationStatus == 130)
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter { $0 != "scan.pcap" }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func standardInputAndIPFIXAreRefused() throws {
        let stdin = try CLIRunner.run(["packets", "-", "-o", "-"])
        #expect(stdin.status == 64 && stdin.stderr.contains("reads its inputs twice"))
        let ipfix = try CLIRunner.run(["packets", CLIRunner.sampleCapture, "-o", "x.ipfix"])
        #expect(ipfix.status == 64 && ipfix.stderr.contains("not IPFIX"))
    }
}

// Linux only, like the namespaces and veth pairs they use.
#if os(Linux)

import FlowCapture
import FlowIngest
import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `flowmeter bench live`: a real namespace pair, real iperf3 traffic, real captures through each path.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct BenchLiveTests {
    static var requirements: String? {
        if !NetworkNamespace.isSupported { return NetworkNamespace.skipMessage }
        if ChildProcess.which("iperf3") == nil { return "iperf3 is not installed" }
        if ChildProcess.which("tshark") == nil { return "tshark is not installed" }
        return nil
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let flowmeter = LiveCommandTests.executable else { throw CocoaError(.fileNoSuchFile) }
        let directory = try TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments.first == "setpriv" ? Subprocess.find("setpriv")! : flowmeter)
        process.arguments = arguments.first == "setpriv" ? Array(arguments.dropFirst()) : arguments
        _ = FileManager.default.createFile(atPath: directory.file("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: directory.file("err"), contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("err")))
        try process.run()
        guard process.waitUntilExit(timeout: 600) else { throw ProcessTimedOut(["flowmeter"] + arguments, seconds: 600) }
        return (
            process.terminationStatus, try String(contentsOfFile: directory.file("out"), encoding: .utf8),
            try String(contentsOfFile: directory.file("err"), encoding: .utf8)
        )
    }

    static func namespaces() -> [String] {
        guard let ip = Subprocess.find("ip"), let result = try? Subprocess.run(ip, ["netns", "list"], timeout: 5) else { return [] }
        return result.stdout.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
    }

    @Test(.enabled(if: requirements == nil, Comment(rawValue: requirements ?? "")))
    func benchLiveCountsWhatIperf3SentThroughEveryPathAndCleansUp() throws {
        let directory = try TemporaryDirectory()
        let out = directory.file("live")
        let before = Set(Self.namespaces().filter { $0.hasPrefix("fmbench-") })
        let result = try Self.run([
            "bench", "live", "--scenarios", "udp-1M-1448", "--window", "2", "--repeat", "1",
            "--paths", "direct,tshark-fields,object", "--out", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try BenchResultFiles.readCSV(out + "/results.csv")
        #expect(rows.map { $0.fields["path"]! } == ["direct", "tshark-fields", "object"])
        for row in rows {
            // 1 Mb/s of 1448-byte datagrams for 2 s: about 173 datagrams, iperf3's own count.
            let sent = row.number("packets_sent")
            #expect(sent > 120 && sent < 230, Comment(rawValue: "\(row.fields)"))
            // A slow rate on an idle link: each path counts every datagram sent, and nothing else.
            #expect(row.number("packets_counted") == sent, Comment(rawValue: "\(row.fields)"))
            #expect(row.number("loss_percent") == 0)
            #expect(row.number("peak_rss_kib") > 1000)
        }
        let tshark = rows.first { $0.fields["path"] == "tshark-fields" }!.number("peak_rss_kib")
        let direct = rows.first { $0.fields["path"] == "direct" }!.number("peak_rss_kib")
        #expect(tshark > direct)
        for chart in ["cpu-percent.svg", "peak-rss.svg", "packets.svg", "loss-percent.svg"] {
            let elements = try BenchResultFiles.xmlElements(out + "/" + chart)
            #expect(elements.first == "svg")
        }
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/packets.svg")), as: UTF8.self).contains(">sent<"))
        // Nothing left behind.
        #expect(Set(Self.namespaces().filter { $0.hasPrefix("fmbench-") }) == before)
    }

    /// At an unlimited rate the iperf3 server still has datagrams queued on its socket when the test ends, so its
    /// own count (`sum_received`) is below what was on the wire. "Sent" must be the client's count: a capture can
    /// then never count more data datagrams than were sent, and loss is never negative.
    @Test(.enabled(if: requirements == nil, Comment(rawValue: requirements ?? "")))
    func benchLiveAtAnUnlimitedRateNeverCountsMoreThanTheClientSent() throws {
        let directory = try TemporaryDirectory()
        let out = directory.file("live")
        let result = try Self.run([
            "bench", "live", "--scenarios", "udp-unlimited-1448", "--window", "2", "--repeat", "1",
            "--paths", "direct", "--out", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try BenchResultFiles.readCSV(out + "/results.csv")
        #expect(rows.count == 1)
        for row in rows {
            let sent = row.number("packets_sent")
            let counted = row.number("packets_counted")
            // Unlimited for 2 s is tens of thousands of datagrams even on a loaded 2-core machine.
            #expect(sent > 5000, Comment(rawValue: "\(row.fields)"))
            #expect(counted > 0 && counted <= sent, Comment(rawValue: "\(row.fields)"))
            #expect(row.number("loss_percent") >= 0, Comment(rawValue: "\(row.fields)"))
        }
    }

    @Test(.enabled(if: requirements == nil, Comment(rawValue: requirements ?? "")))
    func liveThroughTsharkQuotesTsharkWhenItCannotCapture() throws {
        let directory = try TemporaryDirectory()
        let result = try Self.run([
            "live", "-i", "fmnosuch0", "--ingest", "tshark", "--duration", "5", "-o", directory.file("flows.csv"),
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("tshark"))
        #expect(result.stderr.contains("fmnosuch0"))  // tshark's own words, quoted
    }

    @Test(.enabled(if: requirements == nil && Subprocess.find("setpriv") != nil && getpwnam("nobody") != nil,
        "needs root, setpriv and a user nobody"))
    func benchLiveRefusesClearlyWithoutRoot() throws {
        // A copy nobody can run (the build directory may not be reachable by nobody).
        let directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)
        let copy = directory.file("flowmeter")
        try FileManager.default.copyItem(atPath: LiveCommandTests.executable!, toPath: copy)
        chmod(copy, 0o755)
        let result = try Self.run([
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", copy, "bench", "live", "--window", "1",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("bench live needs root"))
        #expect(result.stdout.isEmpty)
    }
}

#endif

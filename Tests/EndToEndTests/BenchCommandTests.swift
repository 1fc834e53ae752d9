import FlowCapture
import FlowIngest
import FlowTestSupport
import Foundation
import Testing


/// `flowmeter bench offline` as a user runs it: every path measured in its own process, the table, the result
/// files and the charts.
@Suite(.serialized)
struct BenchCommandTests {
    static let tsharkPresent = ChildProcess.which("tshark") != nil

    @Test(.enabled(if: tsharkPresent, "needs tshark"))
    func benchOfflineMeasuresEveryPathOnTheSameTraceAndWritesResultsAndCharts() throws {
        let scratch = try ScratchDirectory()
        let trace = scratch.path("fixture.pcap")
        try Data(IngestPathTests.fixture()).write(to: URL(fileURLWithPath: trace))
        let out = scratch.path("results")
        let result = try CLIRunner.run([
            "bench", "offline", trace, "--paths", "direct,tshark,tshark-fields,object", "--repeat", "2", "--out", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let table = String(decoding: result.stdout, as: UTF8.self)
        for path in ["direct", "tshark", "tshark-fields", "object"] {
            #expect(table.contains("fixture  \(path) "), "the table has no row for \(path):\n\(table)")
        }

        let rows = try BenchResultFiles.readCSV(out + "/results.csv")
        #expect(rows.count == 8)  // 4 paths × 2 repetitions
        let packets = Set(rows.map { $0.fields["packets_counted"]! })
        let flows = Set(rows.map { $0.fields["flows"]! })
        #expect(packets == ["29"])  // every record of the fixture, on every path
        #expect(flows == ["7"])
        for row in rows {
            #expect(row.number("wall_s") > 0)
            #expect(row.number("user_s") + row.number("sys_s") > 0)
            #expect(row.number("peak_rss_kib") > 1000)
            #expect(abs(row.number("cpu_us_per_packet") - 1e6 * (row.number("user_s") + row.number("sys_s")) / 29) < 0.01)
        }
        // tshark is a second process, and a large one: its peak RSS counts.
        let direct = rows.filter { $0.fields["path"] == "direct" }.map { $0.number("peak_rss_kib") }.max()!
        let tshark = rows.filter { $0.fields["path"] == "tshark" }.map { $0.number("peak_rss_kib") }.min()!
        #expect(tshark > direct + 20_000)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json")))
        let object = try #require(json as? [String: Any])
        #expect(object["mode"] as? String == "offline")
        // The paths are measured without application detection unless --dissections says otherwise.
        #expect((object["settings"] as? [String: Any])?["dissections"] as? String == "0")
        #expect((object["runs"] as? [Any])?.count == 8)
        #expect((object["summary"] as? [Any])?.count == 4)

        for chart in ["cpu-us-per-packet.svg", "peak-rss.svg", "packets-per-second.svg", "cpu-percent.svg"] {
            let elements = try BenchResultFiles.xmlElements(out + "/" + chart)
            #expect(elements.first == "svg")
            #expect(elements.filter { $0 == "rect" }.count >= 4 + 4)  // a bar and a legend key per path
        }
        let svg = try String(contentsOfFile: out + "/peak-rss.svg", encoding: .utf8)
        #expect(svg.contains(">tshark-fields<") && svg.contains(">peak RSS, MiB<"))
        // Under every title: the trace and its size, detection, the threads, the slow paths' limit and the runs.
        #expect(svg.contains(
            ">fixture (29 packets) · detection off · 1 meter thread · slow paths: first 20,000 packets · 2 runs each<"))
        // A 29-packet trace says its figures are start-up, not metering.
        #expect(result.stderr.contains("bench: warning: 'fixture' is small (29 packets"), "\(result.stderr)")
        #expect(!result.stderr.contains("one run per path"))
    }

    @Test func benchOfflineWithOneRunShowsNoDeviationAndSaysWhy() throws {
        let scratch = try ScratchDirectory()
        let result = try CLIRunner.run([
            "bench", "offline", CLIRunner.sampleCapture, "--paths", "direct", "--repeat", "1", "--dissections", "20",
            "--max-packets", "10", "--out", scratch.path("r"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let table = String(decoding: result.stdout, as: UTF8.self)
        let row = try #require(table.split(separator: "\n").first { $0.contains(" direct ") })
        let cells = row.split(separator: " ")
        #expect(cells[cells.count - 2] == "-", "±sd of one run: \(row)")
        #expect(table.contains("no deviation: use --repeat 3 or more"))
        #expect(result.stderr.contains("bench: warning: one run per path: no deviation can be given"))
        let svg = try String(contentsOfFile: scratch.path("r/cpu-percent.svg"), encoding: .utf8)
        #expect(svg.contains("detection on (20 packets) · 1 meter thread · first 10 packets · 1 run each<"))
    }

    @Test func benchOfflineRejectsUnknownPathsAndUnreadableTraces() throws {
        let unknown = try CLIRunner.run(["bench", "offline", CLIRunner.sampleCapture, "--paths", "direct,magic"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown path 'magic'"))
        let missing = try CLIRunner.run(["bench", "offline", "/nonexistent.pcap"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("cannot read trace '/nonexistent.pcap'"))
        let cpus = try CLIRunner.run(["bench", "offline", CLIRunner.sampleCapture, "--cpus", "0-999"])
        #expect(cpus.status == 64)
        #expect(cpus.stderr.contains("--cpus"))
    }

    @Test func benchOfflinePinsTheMeasuredProcessWithCpus() throws {
        let scratch = try ScratchDirectory()
        let result = try CLIRunner.run([
            "bench", "offline", CLIRunner.sampleCapture, "--paths", "direct", "--repeat", "1", "--cpus", "0",
            "--out", scratch.path("r"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try String(contentsOfFile: scratch.path("r/results.json"), encoding: .utf8)
        #expect(json.contains("\"cpus\": \"0\""))
    }
}

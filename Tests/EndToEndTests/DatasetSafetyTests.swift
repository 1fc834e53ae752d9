@testable import FlowMeterCLI
import FlowConvert
import FlowPacket
import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Converting datasets safely (issue 17): an output never written over an input, directories as inputs, a
/// damaged input that does not end the batch, time that goes backwards reported, and the option checks a new
/// user ran into.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.timeLimit(.minutes(10))) struct DatasetSafetyTests {
    static var sample: Data { get throws { try Data(contentsOf: URL(fileURLWithPath: CLIRunner.sampleCapture)) } }

    /// A UDP datagram between two fixed hosts, from `sourcePort` to port 53.
    static func udpFrame(sourcePort: UInt16) -> [UInt8] {
        PacketBuilder.ethernet(
            type: EtherType.ipv4,
            PacketBuilder.ipv4(
                src: "192.0.2.1", dst: "192.0.2.2", protocol: IPProtocol.udp,
                PacketBuilder.udp(sport: sourcePort, dport: 53, PacketBuilder.payload(20))))
    }

    /// A capture of UDP datagrams from `sourcePort`, one at each of `milliseconds`.
    static func udpCapture(sourcePort: UInt16, milliseconds: [Int]) -> Data {
        var writer = PcapFileWriter()
        for time in milliseconds { writer.append(udpFrame(sourcePort: sourcePort), milliseconds: time) }
        return Data(writer.bytes)
    }

    static func write(_ data: Data, _ path: String) throws {
        try data.write(to: URL(fileURLWithPath: path))
    }

    static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// The stderr lines of a run.
    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    /// The rows of a CSV output (CRLF line ends).
    static func rows(_ csv: Data) -> [String] {
        String(decoding: csv, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    /// Runs flowmeter with standard input and output redirected to the given files (nil: /dev/null).
    static func runRedirected(_ arguments: [String], stdin: String?, stdout: String?) throws -> (Int32, String) {
        let scratch = try ScratchDirectory()
        let errPath = scratch.path("stderr")
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = arguments
        process.standardInput = try stdin.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) }
            ?? FileHandle.nullDevice
        process.standardOutput = try stdout.map { try FileHandle(forWritingTo: URL(fileURLWithPath: $0)) }
            ?? FileHandle.nullDevice
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardError = err
        try process.run()
        guard process.waitUntilExit(timeout: 300) else { throw ProcessTimedOut(["flowmeter"] + arguments, seconds: 300) }
        try err.close()
        let stderr = String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self)
        return (process.terminationStatus, stderr)
    }

    // MARK: Never write over an input

    @Test func anOutputThatIsTheInputIsRefusedInEveryFormatAndTheCaptureIsKept() throws {
        let dir = try ScratchDirectory()
        let sample = try Self.sample
        // Captures under names that select each writer: CSV, gzip CSV and Parquet.
        for name in ["c.pcap", "c.csv.gz", "c.parquet"] {
            try Self.write(sample, dir.path(name))
            let result = try CLIRunner.run(["convert", dir.path(name), "-o", dir.path(name)])
            #expect(result.status == 64, "\(name): \(result.stderr)")
            #expect(result.stderr.contains("-o '\(dir.path(name))' is the input '\(dir.path(name))' (the same file)"))
            #expect(result.stderr.contains("name an output file that is not one of the inputs"))
            #expect(Self.contents(dir.path(name)) == sample, "\(name) was changed")
        }
        // Also when it is one input among several; nothing else is left in the directory.
        let several = try CLIRunner.run([
            "convert", CLIRunner.sampleCapture, dir.path("c.pcap"), "-o", dir.path("c.pcap"),
        ])
        #expect(several.status == 64)
        #expect(Self.contents(dir.path("c.pcap")) == sample)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == [
            "c.csv.gz", "c.parquet", "c.pcap",
        ])
    }

    @Test func anOutputReachingTheInputThroughLinksIsRefused() throws {
        let dir = try ScratchDirectory()
        let sample = try Self.sample
        try FileManager.default.createDirectory(atPath: dir.path("data"), withIntermediateDirectories: true)
        let capture = dir.path("data/c.pcap")
        try Self.write(sample, capture)
        #expect(symlink(capture, dir.path("link.csv")) == 0)
        #expect(link(capture, dir.path("hard.csv")) == 0)
        #expect(symlink(dir.path("data"), dir.path("alias")) == 0)
        let cases: [(String, String)] = [
            (dir.path("link.csv"), "a symbolic link to the same file"),
            (dir.path("hard.csv"), "the same file under another name: a hard link"),
            (dir.path("alias/c.pcap"), "the same file"),
            (dir.path("data/../data/./c.pcap"), "the same file"),
        ]
        for (output, reason) in cases {
            let result = try CLIRunner.run(["convert", capture, "-o", output])
            #expect(result.status == 64, "\(output): \(result.stderr)")
            #expect(result.stderr.contains("is the input '\(capture)' (\(reason)"), "\(result.stderr)")
            #expect(Self.contents(capture) == sample)
        }
        // The input named through the linked directory, the output by its real path.
        let viaAlias = try CLIRunner.run(["convert", dir.path("alias/c.pcap"), "-o", capture])
        #expect(viaAlias.status == 64)
        #expect(Self.contents(capture) == sample)
    }

    @Test func anOutputNotCreatedYetIsComparedByItsRealPath() throws {
        // A dangling symbolic link whose target is where an input is: the only way an output that does not
        // exist yet can be an input is through links, so check the comparison by path on a link chain.
        let check = InputOutputCheckProbe()
        #expect(check.pathToCreate("/tmp/../tmp/x.csv") == "/tmp/x.csv")
        let dir = try ScratchDirectory()
        #expect(symlink(dir.path("missing.csv"), dir.path("dangling")) == 0)
        #expect(check.pathToCreate(dir.path("dangling")) == Self.realPath(dir.path("missing.csv")))
    }

    static func realPath(_ path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        return URL(fileURLWithPath: directory).resolvingSymlinksInPath().path + "/" + name
    }

    @Test func standardStreamsRedirectedToAnInputAreRefused() throws {
        let dir = try ScratchDirectory()
        let sample = try Self.sample
        let capture = dir.path("c.pcap")
        try Self.write(sample, capture)
        // `flowmeter convert c.pcap -o - >> c.pcap`
        let out = try Self.runRedirected(["convert", capture, "-o", "-"], stdin: nil, stdout: capture)
        #expect(out.0 == 64, "\(out.1)")
        #expect(out.1.contains("-o '-' is the input '\(capture)' (standard output is redirected to that file)"))
        // `flowmeter convert - -o c.pcap < c.pcap`
        let inp = try Self.runRedirected(["convert", "-", "-o", capture], stdin: capture, stdout: nil)
        #expect(inp.0 == 64, "\(inp.1)")
        #expect(inp.1.contains("-o '\(capture)' is the input '-' (standard input is read from that file)"))
        #expect(Self.contents(capture) == sample)
    }

    @Test func devicesAndStandardOutputAreNeverTheSameAsAnInput() throws {
        let null = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "/dev/null", "--dissections", "0"])
        #expect(null.status == 0, "\(null.stderr)")
        let stdout = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--dissections", "0"])
        #expect(stdout.status == 0, "\(stdout.stderr)")
        #expect(Self.rows(stdout.stdout).count == 9)  // header + 8 flows
        // Reading the capture from standard input (a regular file) and writing elsewhere is fine.
        let dir = try ScratchDirectory()
        let piped = try Self.runRedirected(
            ["convert", "-", "-o", dir.path("o.csv"), "--dissections", "0"], stdin: CLIRunner.sampleCapture,
            stdout: nil)
        #expect(piped.0 == 0, "\(piped.1)")
    }

    // MARK: Directories as inputs

    @Test func aDirectoryIsReadAsItsCapturesInByteOrderOfTheirNames() throws {
        let dir = try ScratchDirectory()
        let sample = try Self.sample
        let (first, second) = splitPcap(sample, afterRecords: 5)
        let data = dir.path("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        // Byte order puts "Z…" before "a…" (a locale's order would not); captures are found by their magic
        // number, whatever their name.
        try Self.write(first, data + "/Zfirst")
        try Self.write(second, data + "/asecond.cap")
        try Self.write(Data("not a capture\n".utf8), data + "/notes.pcap")
        try Self.write(Data(), data + "/empty")
        let whole = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"])
        let result = try CLIRunner.run(["convert", data, "-o", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == whole.stdout)
        let notes = Self.lines(result.stderr).filter { $0.contains("skipped") }
        #expect(notes == [
            "flowmeter: note: skipped 2 files that are not pcap or pcapng captures: "
                + "'\(data)/empty', '\(data)/notes.pcap'"
        ])
    }

    @Test func recursiveSearchesSubdirectoriesDepthFirstInNameOrder() throws {
        let dir = try ScratchDirectory()
        let sample = try Self.sample
        let (first, rest) = splitPcap(sample, afterRecords: 5)
        let (second, third) = splitPcap(rest, afterRecords: 30)
        let data = dir.path("data")
        try FileManager.default.createDirectory(atPath: data + "/b", withIntermediateDirectories: true)
        try Self.write(first, data + "/a.pcap")
        try Self.write(second, data + "/b/x.pcap")
        try Self.write(third, data + "/c.pcap")
        let whole = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"])
        let recursive = try CLIRunner.run(["convert", data, "--recursive", "-o", "-"])
        #expect(recursive.status == 0, "\(recursive.stderr)")
        #expect(recursive.stdout == whole.stdout)

        let flat = try CLIRunner.run(["convert", data, "-o", "-", "--dissections", "0"])
        let named = try CLIRunner.run(["convert", data + "/a.pcap", data + "/c.pcap", "-o", "-", "--dissections", "0"])
        #expect(flat.status == 0)
        #expect(flat.stdout == named.stdout)
        #expect(flat.stderr.contains("did not search 1 subdirectory (--recursive searches them)"), "\(flat.stderr)")
    }

    @Test func aDirectoryWithoutCapturesIsAnErrorAndNoOutputIsWritten() throws {
        let dir = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: dir.path("empty"), withIntermediateDirectories: true)
        let result = try CLIRunner.run([
            "convert", dir.path("empty"), CLIRunner.sampleCapture, "-o", dir.path("o.csv"),
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no pcap or pcapng capture in the directory '\(dir.path("empty"))'"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("o.csv")))

        try FileManager.default.createDirectory(atPath: dir.path("nested/deeper"), withIntermediateDirectories: true)
        try Self.write(try Self.sample, dir.path("nested/deeper/s.pcap"))
        let nested = try CLIRunner.run(["convert", dir.path("nested"), "-o", dir.path("o.csv")])
        #expect(nested.status == 1)
        #expect(nested.stderr.contains("its 1 subdirectory was not searched: add --recursive"), "\(nested.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("o.csv")))
    }

    @Test func everyCaptureOfADirectoryIsCheckedBeforeOutputIsWritten() throws {
        let dir = try ScratchDirectory()
        let data = dir.path("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try Self.write(try Self.sample, data + "/a.pcap")
        // A pcap magic number and then nothing: found as a capture, refused when opened.
        try Self.write(Data([0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0]), data + "/b.pcap")
        let result = try CLIRunner.run(["convert", data, "-o", dir.path("o.csv")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot read capture '\(data)/b.pcap'"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("o.csv")))
    }

    // MARK: A damaged input does not end the batch

    @Test(arguments: ["1", "4"])
    func aCutInputDoesNotStopTheNextOneBeingRead(threads: String) throws {
        let dir = try ScratchDirectory()
        let sample = try Self.sample
        try Self.write(sample.prefix(5000), dir.path("cut.pcap"))  // packet 45 is cut
        try Self.write(splitPcap(sample, afterRecords: 44).0, dir.path("clean.pcap"))  // packets 1 to 44
        try Self.write(splitPcap(sample, afterRecords: 60).1, dir.path("tail.pcap"))  // packets 61 to 91
        let options = ["--statistics", "--threads", threads]
        let damaged = try CLIRunner.run(
            ["convert", dir.path("cut.pcap"), dir.path("tail.pcap"), "-o", dir.path("o.csv")] + options)
        let clean = try CLIRunner.run(
            ["convert", dir.path("clean.pcap"), dir.path("tail.pcap"), "-o", dir.path("expected.csv")] + options)
        #expect(damaged.status == 3)
        #expect(clean.status == 0, "\(clean.stderr)")
        let produced = try #require(Self.contents(dir.path("o.csv")))
        #expect(produced == Self.contents(dir.path("expected.csv")))
        #expect(Self.rows(produced).count > 5, "the tail's flows are there")
        #expect(damaged.stderr.contains("capture '\(dir.path("cut.pcap"))' is damaged: packet 45 could not be read"))
        #expect(damaged.stderr.contains("byte offset 5000"))
        #expect(damaged.stderr.contains("1 of 2 inputs is damaged"), "\(damaged.stderr)")
    }

    @Test func everyDamagedInputIsListedWithItsPacketAndOffset() throws {
        let dir = try ScratchDirectory()
        let sample = try Self.sample
        try Self.write(sample.prefix(5000), dir.path("one.pcap"))
        let tail = splitPcap(sample, afterRecords: 60).1  // 31 packets
        try Self.write(tail.prefix(tail.count - 10), dir.path("two.pcap"))  // the last one is cut
        try Self.write(Self.udpCapture(sourcePort: 40404, milliseconds: [4_000_000_000_000]), dir.path("later.pcap"))
        let inputs = ["one.pcap", "two.pcap", "later.pcap"].map(dir.path)
        for threads in ["1", "3"] {
            let result = try CLIRunner.run(["convert"] + inputs + ["-o", dir.path("o.csv"), "--threads", threads])
            #expect(result.status == 3)
            let stderr = Self.lines(result.stderr)
            #expect(stderr.filter { $0.contains("is damaged: packet") }.count == 2)
            #expect(result.stderr.contains("'\(inputs[0])' is damaged: packet 45 could not be read"))
            #expect(result.stderr.contains("byte offset 5000)"))
            #expect(result.stderr.contains("'\(inputs[1])' is damaged: packet 31 could not be read"))
            #expect(result.stderr.contains("byte offset \(tail.count - 10))"))
            #expect(result.stderr.contains("2 of 3 inputs are damaged"))
            // The input after both was read: its flow is the last row.
            let rows = Self.rows(try #require(Self.contents(dir.path("o.csv"))))
            #expect(rows.last?.contains(",192.0.2.1,") == true && rows.last?.contains(",40404,") == true)
        }
    }

    @Test func stopOnDamageStopsAtTheFirstDamagedInput() throws {
        let dir = try ScratchDirectory()
        let sample = try Self.sample
        try Self.write(sample.prefix(5000), dir.path("cut.pcap"))
        try Self.write(splitPcap(sample, afterRecords: 44).0, dir.path("clean.pcap"))
        try Self.write(splitPcap(sample, afterRecords: 60).1, dir.path("tail.pcap"))
        let stopped = try CLIRunner.run([
            "convert", dir.path("cut.pcap"), dir.path("tail.pcap"), "-o", dir.path("o.csv"), "--stop-on-damage",
        ])
        let first = try CLIRunner.run(["convert", dir.path("clean.pcap"), "-o", dir.path("expected.csv")])
        #expect(stopped.status == 3)
        #expect(first.status == 0)
        #expect(Self.contents(dir.path("o.csv")) == Self.contents(dir.path("expected.csv")))
        #expect(stopped.stderr.contains("packet 45 could not be read"))
        #expect(stopped.stderr.contains("(--stop-on-damage): the 1 input after it was not read"), "\(stopped.stderr)")
    }

    // MARK: Time going backwards

    @Test func timeGoingBackwardsIsReportedOncePerInputWithCountAndSize() throws {
        let dir = try ScratchDirectory()
        try Self.write(Self.udpCapture(sourcePort: 1001, milliseconds: [10_000, 10_500, 11_000]), dir.path("a.pcap"))
        // 6000 ms and 5800 ms before the latest time of a.pcap.
        try Self.write(Self.udpCapture(sourcePort: 1002, milliseconds: [5_000, 5_200]), dir.path("b.pcap"))
        try Self.write(Self.udpCapture(sourcePort: 1003, milliseconds: [20_000, 20_001]), dir.path("c.pcap"))
        // Within one file: 500 ms and 100 ms back.
        try Self.write(
            Self.udpCapture(sourcePort: 1004, milliseconds: [30_000, 29_500, 29_900, 30_100]), dir.path("d.pcap"))
        let inputs = ["a.pcap", "b.pcap", "c.pcap", "d.pcap"].map(dir.path)
        for threads in ["1", "2"] {
            let result = try CLIRunner.run(
                ["convert"] + inputs + ["-o", dir.path("o.csv"), "-q", "--dissections", "0", "--threads", threads])
            #expect(result.status == 0)
            let warnings = Self.lines(result.stderr)
            #expect(warnings.count == 2, "\(result.stderr)")
            let earlier = "2 packets are stamped earlier than the latest time already seen, by up to"
            #expect(warnings.first?.hasPrefix("flowmeter: warning: '\(inputs[1])': \(earlier) 6000 ms;") == true)
            #expect(warnings.last?.hasPrefix("flowmeter: warning: '\(inputs[3])': \(earlier) 500 ms;") == true)
            #expect(result.stderr.contains("as in NFStream they were metered at that latest time"))
        }
        // The clamp itself is kept: b.pcap's flow is counted at 11000 ms, with no duration.
        let rows = Self.rows(try #require(Self.contents(dir.path("o.csv"))))
        let header = rows[0].split(separator: ",", omittingEmptySubsequences: false)
        let b = try #require(rows.first { $0.contains(",1002,") })
            .split(separator: ",", omittingEmptySubsequences: false)
        func value(_ column: String) -> Substring? { header.firstIndex(of: Substring(column)).map { b[$0] } }
        #expect(value("bidirectional_first_seen_ms") == "11000")
        #expect(value("bidirectional_duration_ms") == "0")
    }

    @Test func inputsInTimeOrderPrintNoWarning() throws {
        let dir = try ScratchDirectory()
        try Self.write(Self.udpCapture(sourcePort: 1001, milliseconds: [10_000, 10_000, 11_000]), dir.path("a.pcap"))
        try Self.write(Self.udpCapture(sourcePort: 1002, milliseconds: [11_000, 12_000]), dir.path("b.pcap"))
        let result = try CLIRunner.run([
            "convert", dir.path("a.pcap"), dir.path("b.pcap"), "-o", dir.path("o.csv"), "--dissections", "0",
        ])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    // MARK: Option checks

    @Test func negativeValuesGetTheRangeMessage() throws {
        let cases: [([String], String)] = [
            (["--splt", "-1"], "--splt must be between 0 and 65535 (got -1)"),
            (["--idle-timeout", "-5"], "--idle-timeout must be a number of seconds from 0 to 1e12 (got -5.0)"),
            (["--active-timeout", "-5"], "--active-timeout must be a number of seconds from 0 to 1e12 (got -5.0)"),
            (["--max-flows", "-1"], "--max-flows must be 0 (no bound) or a positive number of flows (got -1)"),
            (["--dissections", "-1"], "--dissections must be between 0 and 255 (got -1)"),
            (["--threads", "-1"], "--threads must be between 1 and 64, the number of flow-table shards (got -1)"),
            (["--accounting-mode", "-1"], "--accounting-mode must be 0, 1, 2 or 3 (got -1)"),
        ]
        for (options, message) in cases {
            let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"] + options)
            #expect(result.status == 64, "\(options)")
            #expect(result.stderr.contains(message), "\(options): \(result.stderr)")
            #expect(!result.stderr.contains("Missing value"), "\(options): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let live = try CLIRunner.run(["live", "-i", "lo", "-o", "-", "--duration", "-2"])
        #expect(live.status == 64)
        #expect(live.stderr.contains("--duration must be a positive number of seconds (got -2.0)"), "\(live.stderr)")
    }

    @Test func emptyFeaturesAreRejected() throws {
        for value in ["", ",", " , ,", "  "] {
            let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--features", value])
            #expect(result.status == 64, "'\(value)'")
            #expect(result.stderr.contains("--features '\(value)' names no feature set"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func tsharkIngestConflictsNameBothOptions() throws {
        let bpf = try CLIRunner.run([
            "convert", "--ingest", "tshark", "--bpf", "udp", CLIRunner.sampleCapture, "-o", "-",
        ])
        #expect(bpf.status == 64)
        #expect(bpf.stderr.contains("--bpf 'udp' cannot be used with --ingest tshark"), "\(bpf.stderr)")
        #expect(!bpf.stderr.contains("invalid --bpf filter"))
        let stdin = try CLIRunner.run(
            ["convert", "--ingest", "tshark", "-", "-o", "-"], stdin: try Self.sample)
        #expect(stdin.status == 64)
        #expect(stdin.stderr.contains("--ingest tshark cannot read standard input ('-')"), "\(stdin.stderr)")
        #expect(bpf.stdout.isEmpty && stdin.stdout.isEmpty)
    }

    /// Whether this process may capture on the loopback interface.
    static var canCaptureOnLoopback: Bool {
        geteuid() == 0 && FileManager.default.fileExists(atPath: "/sys/class/net/lo")
    }

    @Test(.enabled(if: canCaptureOnLoopback, "needs root and a loopback interface"))
    func theLastLiveStatisticsLineIsMarkedFinal() throws {
        let dir = try ScratchDirectory()
        let result = try CLIRunner.run([
            "live", "-i", "lo", "-o", dir.path("o.csv"), "--duration", "0.6", "--stats-interval", "0.2",
            "--bpf", "udp port 9", "--dissections", "0",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let statistics = Self.lines(result.stderr).filter { $0.hasPrefix("{\"elapsed_s\":") }
        #expect(statistics.count >= 2, "\(result.stderr)")
        #expect(statistics.last?.hasSuffix(",\"final\":true}") == true, "\(result.stderr)")
        #expect(statistics.dropLast().allSatisfy { $0.hasSuffix(",\"final\":false}") }, "\(result.stderr)")
    }

    @Test(.enabled(if: canCaptureOnLoopback, "needs root and a loopback interface"))
    func quietLiveWritesNoStatisticsLine() throws {
        let dir = try ScratchDirectory()
        let result = try CLIRunner.run([
            "live", "-i", "lo", "-o", dir.path("o.csv"), "--duration", "0.3", "--bpf", "udp port 9", "-q",
            "--dissections", "0",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func quietMeansTheSameInConvertAndLive() throws {
        func helpText(_ command: String) throws -> String {
            let help = try CLIRunner.run([command, "--help"])
            let text = String(decoding: help.stdout, as: UTF8.self)
            return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        let sentence =
            "-q, --quiet No progress or statistics lines on stderr (convert: the progress line and summary; live: "
            + "the statistics lines). Errors and warnings are still printed."
        #expect(try helpText("convert").contains(sentence))
        #expect(try helpText("live").contains(sentence))
        // Asking for statistics lines and for none is a conflict.
        let both = try CLIRunner.run(["live", "-i", "lo", "-o", "-", "-q", "--stats-interval", "1", "--duration", "1"])
        #expect(both.status == 64)
        #expect(both.stderr.contains("--stats-interval prints statistics lines and -q/--quiet silences them"))
        // Warnings and errors are still printed with -q.
        let dir = try ScratchDirectory()
        try Self.write(try Self.sample.prefix(5000), dir.path("cut.pcap"))
        try Self.write(Self.udpCapture(sourcePort: 7, milliseconds: [1_000]), dir.path("early.pcap"))
        let quiet = try CLIRunner.run([
            "convert", dir.path("cut.pcap"), dir.path("early.pcap"), "-o", dir.path("o.csv"), "-q",
        ])
        #expect(quiet.status == 3)
        #expect(quiet.stderr.contains("flowmeter: warning: '\(dir.path("early.pcap"))': 1 packet is stamped earlier"))
        #expect(quiet.stderr.contains("is damaged: packet 45"))
    }
}

/// The path comparison of `InputOutputCheck`, for the case the command line cannot reach.
struct InputOutputCheckProbe {
    func pathToCreate(_ path: String) -> String? { InputOutputCheck.pathToCreate(path) }
}

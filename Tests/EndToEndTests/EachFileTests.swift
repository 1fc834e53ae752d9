import FlowPacket
import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Converting whole datasets (issue 17, part B): `--each-file` (every input its own capture, a `source` column),
/// `--output-dir` (one output per input, resumable), `--jobs` (byte-identical for every N) and `--manifest`.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.timeLimit(.minutes(10))) struct EachFileTests {
    /// A UDP datagram from 192.0.2.1:`sourcePort` to 192.0.2.2:53.
    static func udpFrame(sourcePort: UInt16, payload: Int = 20) -> [UInt8] {
        PacketBuilder.ethernet(
            type: EtherType.ipv4,
            PacketBuilder.ipv4(
                src: "192.0.2.1", dst: "192.0.2.2", protocol: IPProtocol.udp,
                PacketBuilder.udp(sport: sourcePort, dport: 53, PacketBuilder.payload(payload))))
    }

    /// A capture of (source port, time in ms) datagrams, in the order given.
    static func capture(_ packets: [(UInt16, Int)]) -> Data {
        var writer = PcapFileWriter()
        for (port, time) in packets { writer.append(udpFrame(sourcePort: port), milliseconds: time) }
        return Data(writer.bytes)
    }

    /// `flows` UDP flows of `perFlow` datagrams each, from `start` ms, 1 ms apart.
    static func bulkCapture(flows: Int, perFlow: Int, start: Int, firstPort: UInt16 = 10_000) -> Data {
        var writer = PcapFileWriter()
        var time = start
        for round in 0..<perFlow {
            for flow in 0..<flows {
                writer.append(udpFrame(sourcePort: firstPort &+ UInt16(flow), payload: 20 + round % 7), milliseconds: time)
                time += 1
            }
        }
        return Data(writer.bytes)
    }

    static func write(_ data: Data, _ path: String) throws { try data.write(to: URL(fileURLWithPath: path)) }

    static func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// The lines of a CSV (CRLF line ends), split into fields.
    static func table(_ csv: Data) -> [[String]] {
        String(decoding: csv, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
            .map { $0.components(separatedBy: ",") }
    }

    /// Runs flowmeter and requires exit status 0.
    @discardableResult
    static func convert(_ arguments: [String]) throws -> CLIRunner.Result {
        let result = try CLIRunner.run(["convert"] + arguments)
        try #require(result.status == 0, "flowmeter \(arguments) exited with \(result.status): \(result.stderr)")
        return result
    }

    /// Three captures: port 1000's flow spans a.pcap and b.pcap; port 2000 only in a.pcap; c.pcap holds 5 flows.
    static func threeInputs(in dir: ScratchDirectory) throws -> [String] {
        try write(capture([(1000, 1000), (2000, 1500), (1000, 2000)]), dir.path("a.pcap"))
        try write(capture([(1000, 3000), (1000, 4000)]), dir.path("b.pcap"))
        try write(bulkCapture(flows: 5, perFlow: 3, start: 10_000), dir.path("c.pcap"))
        return ["a.pcap", "b.pcap", "c.pcap"].map(dir.path)
    }

    // MARK: --each-file

    @Test func eachFileMetersEveryInputAsItsOwnCaptureWithASourceColumnAndIdsContinuing() throws {
        let dir = try ScratchDirectory()
        let inputs = try Self.threeInputs(in: dir)
        try Self.convert(inputs + ["-o", dir.path("plain.csv"), "--dissections", "0", "-q"])
        try Self.convert(inputs + ["-o", dir.path("each.csv"), "--each-file", "--dissections", "0", "-q"])

        // Together: port 1000's four packets make one flow.
        let plain = Self.table(try Self.contents(dir.path("plain.csv")))
        let port = try #require(plain[0].firstIndex(of: "src_port"))
        let packets = try #require(plain[0].firstIndex(of: "bidirectional_packets"))
        #expect(plain.count == 1 + 2 + 5)
        #expect(plain.filter { $0[port] == "1000" }.map { $0[packets] } == ["4"])

        // Each file: the same flow is two flows of two packets, one per input.
        let each = Self.table(try Self.contents(dir.path("each.csv")))
        #expect(Array(each[0].prefix(3)) == ["id", "source", "expiration_id"])
        #expect(Array(each[0].dropFirst(2)) == Array(plain[0].dropFirst()))
        #expect(each.count == 1 + 2 + 1 + 5)
        #expect(each.dropFirst().map { $0[0] } == (0..<8).map(String.init))
        #expect(each.dropFirst().map { $0[1] } == [inputs[0], inputs[0], inputs[1]] + Array(repeating: inputs[2], count: 5))
        let spanning = each.filter { $0[port + 1] == "1000" }
        #expect(spanning.map { $0[1] } == [inputs[0], inputs[1]])
        #expect(spanning.map { $0[packets + 1] } == ["2", "2"])

        // Every input's rows equal its own conversion, with the source after id and ids numbered on.
        var id = 0
        for input in inputs {
            let alone = dir.path("alone.csv")
            try Self.convert([input, "-o", alone, "--dissections", "0", "-q"])
            let rows = Self.table(try Self.contents(alone)).dropFirst()
            let mine = each.dropFirst().filter { $0[1] == input }
            #expect(mine.count == rows.count)
            for (row, expected) in zip(mine, rows) {
                #expect(row == [String(id), input] + Array(expected.dropFirst()))
                id += 1
            }
        }
    }

    @Test func eachFileNamesTheFilesFoundInADirectoryAndWritesEveryFormat() throws {
        let dir = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: dir.path("set"), withIntermediateDirectories: true)
        try Self.write(Self.capture([(1000, 1000), (1000, 2000)]), dir.path("set/x.pcap"))
        try Self.write(Self.capture([(1000, 3000)]), dir.path("set/y.pcap"))
        try Self.convert([dir.path("set"), "--each-file", "-o", dir.path("e.csv.gz"), "--dissections", "0", "-q"])
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", dir.path("e.csv.gz")]
        let pipe = Pipe()
        gunzip.standardOutput = pipe
        try gunzip.run()
        let csv = pipe.fileHandleForReading.readDataToEndOfFile()
        #expect(gunzip.waitUntilExit(timeout: 60))
        let rows = Self.table(csv)
        #expect(rows.dropFirst().map { $0[1] } == [dir.path("set/x.pcap"), dir.path("set/y.pcap")])

        // Parquet and an IPFIX file take the column through the schema like any other text column.
        try Self.convert([dir.path("set"), "--each-file", "-o", dir.path("e.parquet"), "--dissections", "0", "-q"])
        let parquet = try Self.contents(dir.path("e.parquet"))
        #expect(parquet.prefix(4) == Data("PAR1".utf8) && parquet.suffix(4) == Data("PAR1".utf8))
        #expect(parquet.range(of: Data("source".utf8)) != nil)
        #expect(parquet.range(of: Data(dir.path("set/y.pcap").utf8)) != nil)
        try Self.convert([dir.path("set"), "--each-file", "-o", dir.path("e.ipfix"), "--dissections", "0", "-q"])
        let ipfix = try Self.contents(dir.path("e.ipfix"))
        #expect(ipfix.prefix(2) == Data([0x00, 0x0A]))  // IPFIX version 10
        #expect(ipfix.range(of: Data(dir.path("set/y.pcap").utf8)) != nil)
    }

    // MARK: --output-dir

    @Test func outputDirWritesOneOutputPerInputEqualToItsOwnEachFileConversion() throws {
        let dir = try ScratchDirectory()
        let inputs = try Self.threeInputs(in: dir)
        for (options, ext) in [([String](), "csv"), (["--gzip"], "csv.gz"), (["--format", "parquet"], "parquet")] {
            let out = dir.path("out-\(ext)")
            let result = try Self.convert(inputs + ["--output-dir", out, "-q"] + options)
            #expect(result.stderr.isEmpty, "\(result.stderr)")
            let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
            #expect(names == ["a.pcap.\(ext)", "b.pcap.\(ext)", "c.pcap.\(ext)", "manifest.json"])
            for input in inputs {
                let alone = dir.path("alone.\(ext)")
                try Self.convert([input, "--each-file", "-o", alone, "-q"] + options)
                let name = (input as NSString).lastPathComponent
                #expect(try Self.contents("\(out)/\(name).\(ext)") == Self.contents(alone), "\(name).\(ext)")
            }
        }
        // Ids start from 0 in every output.
        let b = Self.table(try Self.contents(dir.path("out-csv/b.pcap.csv")))
        #expect(b.dropFirst().map { Array($0.prefix(2)) } == [["0", inputs[1]]])
    }

    /// An interrupted run leaves the complete outputs and their records; the output being written is removed. The
    /// next run keeps the complete ones (same inode and modification time), removes the temporary files an
    /// interrupted run left, and converts the rest.
    @Test func aRerunAfterAnInterruptionKeepsTheCompleteOutputsAndRedoesThePartialOne() throws {
        let dir = try ScratchDirectory()
        let a = dir.path("a.pcap")
        let c = dir.path("c.pcap")
        let out = dir.path("out")
        try Self.write(Self.bulkCapture(flows: 20, perFlow: 5, start: 1000), a)
        let later = Self.bulkCapture(flows: 30, perFlow: 4, start: 50_000, firstPort: 20_000)
        // c.pcap is a named pipe first: the run blocks reading it after a.pcap's output is complete.
        try #require(mkfifo(c, 0o644) == 0)

        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["convert", a, c, "--output-dir", out, "--jobs", "1", "--dissections", "0", "-q"]
        let errorFile = dir.path("stderr")
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Opening the pipe waits for flowmeter to open it, which it does once a.pcap's output is complete.
        let pipe = try #require(openPipeForWriting(c, timeout: 120), "flowmeter never opened c.pcap")
        #expect(FileManager.default.fileExists(atPath: "\(out)/a.pcap.csv"))
        pipe.write(later.prefix(later.count / 2))  // half the capture, and the pipe stays open
        // The other half never comes: wait until the first half has been read, then interrupt.
        var waited = 0
        while waited < 200, Self.pipeHoldsData(c) {
            usleep(10_000)
            waited += 1
        }
        process.interrupt()
        #expect(process.waitUntilExit(timeout: 60), "the interrupted run did not end")
        try? pipe.close()
        let stderr = try String(contentsOfFile: errorFile, encoding: .utf8)
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted: 1 of 2 outputs are complete in '\(out)'"), "\(stderr)")
        var names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == [".a.pcap.csv.done", "a.pcap.csv", "manifest.json"])
        let manifest = try Self.json(Self.contents("\(out)/manifest.json"))
        #expect(manifest["exit_status"] as? Int == 130)
        #expect((manifest["outputs"] as? [[String: Any]])?.map { $0["path"] as? String } == ["\(out)/a.pcap.csv"])

        // The capture arrives whole under the same name; a run killed at once left a temporary file behind.
        try FileManager.default.removeItem(atPath: c)
        try Self.write(later, c)
        try Self.write(Data("partial".utf8), "\(out)/.c.pcap.csv.partial-999999")
        let before = try Self.identity("\(out)/a.pcap.csv")
        let rerun = try Self.convert([a, c, "--output-dir", out, "--jobs", "1", "--dissections", "0", "-q"])
        #expect(rerun.stderr.contains("resuming: 1 output is already complete in '\(out)'"), "\(rerun.stderr)")
        #expect(try Self.identity("\(out)/a.pcap.csv") == before)
        names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == [".a.pcap.csv.done", ".c.pcap.csv.done", "a.pcap.csv", "c.pcap.csv", "manifest.json"])
        try Self.convert([c, "--each-file", "-o", dir.path("c.csv"), "--dissections", "0", "-q"])
        #expect(try Self.contents("\(out)/c.pcap.csv") == Self.contents(dir.path("c.csv")))
        #expect(Self.table(try Self.contents("\(out)/c.pcap.csv")).count == 1 + 30)

        // A third run has nothing to do, and its manifest equals the second's but for the times.
        let second = try Self.contents("\(out)/manifest.json")
        let cBefore = try Self.identity("\(out)/c.pcap.csv")
        let third = try Self.convert([a, c, "--output-dir", out, "--jobs", "1", "--dissections", "0", "-q"])
        #expect(third.stderr.contains("resuming: 2 outputs are already complete in '\(out)'"))
        #expect(try Self.identity("\(out)/c.pcap.csv") == cBefore)
        #expect(Self.withoutTimes(try Self.contents("\(out)/manifest.json")) == Self.withoutTimes(second))

        // Other options make other outputs: nothing is kept.
        let changed = try Self.convert([a, c, "--output-dir", out, "--dissections", "0", "--idle-timeout", "5", "-q"])
        #expect(!changed.stderr.contains("resuming"), "\(changed.stderr)")
        #expect(try Self.identity("\(out)/a.pcap.csv") != before)
    }

    /// Whether a named pipe still holds unread bytes.
    static func pipeHoldsData(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return bytesWaiting(inPipe: fd) > 0
    }

    /// Inode and modification time (ns) of a file.
    static func identity(_ path: String) throws -> [Int] {
        var st = stat()
        try #require(stat(path, &st) == 0)
        return [Int(st.st_ino), st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec]
    }

    // MARK: --jobs

    @Test func everyNumberOfJobsGivesTheSameBytes() throws {
        let dir = try ScratchDirectory()
        var inputs = try Self.threeInputs(in: dir)
        for i in 0..<3 {
            let path = dir.path("bulk\(i).pcap")
            try Self.write(Self.bulkCapture(flows: 40 + 10 * i, perFlow: 3, start: 100_000 * (i + 1)), path)
            inputs.append(path)
        }
        let sample = dir.path("sample.pcap")
        try FileManager.default.copyItem(atPath: CLIRunner.sampleCapture, toPath: sample)
        inputs.append(sample)
        for ext in ["csv", "parquet"] {
            var single: [Data] = []
            var perInput: [[Data]] = []
            for jobs in ["1", "2", "3"] {
                let output = dir.path("j\(jobs).\(ext)")
                try Self.convert(inputs + ["--each-file", "--jobs", jobs, "-o", output, "--statistics", "-q"])
                single.append(try Self.contents(output))
                let out = dir.path("dir-\(ext)-\(jobs)")
                try Self.convert(inputs + ["--output-dir", out, "--jobs", jobs, "--statistics", "-q", "--format", ext])
                perInput.append(
                    try inputs.map { try Self.contents("\(out)/\(($0 as NSString).lastPathComponent).\(ext)") })
            }
            #expect(single[0].count > 1000)
            #expect(single[1] == single[0] && single[2] == single[0], "\(ext): -o differs between --jobs 1, 2, 3")
            #expect(perInput[1] == perInput[0] && perInput[2] == perInput[0], "\(ext): --output-dir differs")
        }
        // Standard output too (the spools then go to $TMPDIR).
        let stdout = try Self.convert(inputs + ["--each-file", "--jobs", "3", "-o", "-", "--statistics", "-q"]).stdout
        #expect(stdout == (try Self.contents(dir.path("j1.csv"))))
        // Rows come in input order with ids continuing.
        let rows = Self.table(try Self.contents(dir.path("j1.csv"))).dropFirst()
        #expect(rows.map { $0[0] } == (0..<rows.count).map(String.init))
        var order: [String] = []
        for row in rows where order.last != row[1] { order.append(row[1]) }
        #expect(order == inputs)
    }

    // MARK: --manifest

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The manifest's lines without the two time members.
    static func withoutTimes(_ data: Data) -> [String] {
        String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("  \"start_time\"") && !$0.hasPrefix("  \"end_time\"") }
    }

    static func sha256sum(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.waitUntilExit(timeout: 60))
        return String(text.prefix(64))
    }

    @Test func theManifestRecordsInputsAndOutputsWithTheirHashesAndTwoRunsDifferOnlyInTimes() throws {
        let dir = try ScratchDirectory()
        let inputs = try Self.threeInputs(in: dir)
        // c.pcap gets an ARP frame (not IP) and a truncated one, and a packet stamped backwards.
        var writer = PcapFileWriter()
        writer.append(Self.udpFrame(sourcePort: 7000), milliseconds: 5000)
        writer.append(PacketBuilder.ethernet(type: EtherType.arp, PacketBuilder.payload(28)), milliseconds: 5001)
        writer.append(Self.udpFrame(sourcePort: 7000), milliseconds: 5002, capturedLength: 20)
        writer.append(Self.udpFrame(sourcePort: 7001), milliseconds: 4000)
        try Self.write(Data(writer.bytes), inputs[2])

        var manifests: [Data] = []
        for run in 0..<2 {
            let output = dir.path("o.csv")
            let result = try Self.convert(
                inputs + ["--each-file", "-o", output, "--manifest", dir.path("m.json"), "--dissections", "0", "-q"])
            #expect(result.stderr.contains("warning: '\(inputs[2])': 1 packet is stamped earlier than a packet before it in the same input"), "\(result.stderr)")
            manifests.append(try Self.contents(dir.path("m.json")))
            if run == 1 { break }
            let m = try Self.json(manifests[0])
            let versions = try #require(m["flowmeter"] as? [String: Any])
            #expect(versions["version"] as? String == "0.1.0")
            #expect((versions["libpcap"] as? String)?.hasPrefix("libpcap version") == true)
            #expect((versions["zlib"] as? String)?.isEmpty == false)
            let options = try #require(m["options"] as? [String: Any])
            #expect(options["each_file"] as? Bool == true)
            #expect(options["dissections"] as? Int == 0)
            #expect(options["idle_timeout"] as? Double == 120)
            #expect(m["exit_status"] as? Int == 0)
            let entries = try #require(m["inputs"] as? [[String: Any]])
            #expect(entries.map { $0["path"] as? String } == inputs)
            for (entry, input) in zip(entries, inputs) {
                #expect(entry["sha256"] as? String == (try Self.sha256sum(input)))
                #expect(entry["size"] as? Int == (try Self.contents(input)).count)
            }
            #expect(entries.map { $0["packets_read"] as? Int } == [3, 2, 4])
            #expect(entries.map { $0["rows"] as? Int } == [2, 1, 2])
            #expect(entries[0]["first_time_us"] as? Int == 1_000_000 && entries[0]["last_time_us"] as? Int == 2_000_000)
            let skipped = try #require(entries[2]["packets_skipped"] as? [String: Int])
            #expect(skipped["not_ip"] == 1 && skipped["truncated"] == 1 && skipped["malformed"] == 0)
            let backward = try #require(entries[2]["backward_time"] as? [String: Int])
            #expect(backward == ["packets": 1, "max_ms": 1000])
            #expect(entries[2]["damage"] is NSNull)
            let outputs = try #require(m["outputs"] as? [[String: Any]])
            #expect(outputs.count == 1)
            #expect(outputs[0]["path"] as? String == output)
            #expect(outputs[0]["format"] as? String == "csv")
            #expect(outputs[0]["rows"] as? Int == 5)
            #expect(outputs[0]["columns"] as? Int == Self.table(try Self.contents(output))[0].count)
            #expect(outputs[0]["sha256"] as? String == (try Self.sha256sum(output)))
        }
        #expect(Self.withoutTimes(manifests[0]) == Self.withoutTimes(manifests[1]))

        // Plain mode (flows cross inputs) records every input too, with no rows of its own.
        try Self.convert(inputs + ["-o", dir.path("p.parquet"), "--manifest", dir.path("p.json"), "--dissections", "0", "-q"])
        let p = try Self.json(try Self.contents(dir.path("p.json")))
        let entries = try #require(p["inputs"] as? [[String: Any]])
        #expect(entries.map { $0["packets_read"] as? Int } == [3, 2, 4])
        #expect(entries.allSatisfy { $0["rows"] is NSNull })
        let output = try #require((p["outputs"] as? [[String: Any]])?.first)
        #expect(output["format"] as? String == "parquet" && output["rows"] as? Int == 4)
        #expect(output["sha256"] as? String == (try Self.sha256sum(dir.path("p.parquet"))))
    }

    // MARK: Errors

    @Test func optionsThatDoNotFitAreRefusedWithStatus64BeforeAnythingIsWritten() throws {
        let dir = try ScratchDirectory()
        let inputs = try Self.threeInputs(in: dir)
        let o = dir.path("o.csv")
        let cases: [([String], String)] = [
            (["--each-file", "--jobs", "0", "-o", o], "--jobs must be between 1 and 64 (got 0)"),
            (["--each-file", "--jobs", "65", "-o", o], "--jobs must be between 1 and 64 (got 65)"),
            (["--jobs", "2", "-o", o], "--jobs 2 converts inputs in parallel, which needs --each-file or --output-dir"),
            ([], "give the output: -o OUTPUT (one output), or --output-dir DIR (one output per input)"),
            (["-o", o, "--output-dir", dir.path("d")], "-o '\(o)' and --output-dir '\(dir.path("d"))' cannot be used together"),
            (["-o", o, "--manifest", o], "--manifest '\(o)' is also the output '\(o)'"),
            (["-o", o, "--manifest", inputs[1]], "--manifest '\(inputs[1])' is the input '\(inputs[1])'"),
        ]
        for (options, message) in cases {
            let result = try CLIRunner.run(["convert"] + inputs + options)
            #expect(result.status == 64, "\(options): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(options): \(result.stderr)")
        }
        let stdin = try CLIRunner.run(["convert", "-", "--output-dir", dir.path("d")])
        #expect(stdin.status == 64)
        #expect(stdin.stderr.contains("standard input ('-') has no name"))

        // Two inputs with the same file name in different directories.
        try FileManager.default.createDirectory(atPath: dir.path("x"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: inputs[0], toPath: dir.path("x/a.pcap"))
        let clash = try CLIRunner.run(["convert", inputs[0], dir.path("x"), "--output-dir", dir.path("d")])
        #expect(clash.status == 64)
        #expect(
            clash.stderr.contains(
                "the inputs '\(inputs[0])' and '\(dir.path("x/a.pcap"))' would both be written to '\(dir.path("d"))/a.pcap.csv'"),
            "\(clash.stderr)")
        // An output of the directory that is an input: a capture named like the output of another.
        try FileManager.default.createDirectory(atPath: dir.path("d2"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: inputs[1], toPath: dir.path("d2/a.pcap.csv"))
        let over = try CLIRunner.run(["convert", inputs[0], dir.path("d2/a.pcap.csv"), "--output-dir", dir.path("d2")])
        #expect(over.status == 64)
        #expect(over.stderr.contains("--output-dir '\(dir.path("d2"))/a.pcap.csv' is the input"), "\(over.stderr)")
        #expect(try Self.contents(dir.path("d2/a.pcap.csv")) == Self.contents(inputs[1]))
        for path in [o, dir.path("d")] { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }
    }
}

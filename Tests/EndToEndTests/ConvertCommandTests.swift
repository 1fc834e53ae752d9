import FlowDPI
import FlowTestSupport
import Foundation
import Testing

/// `csv` without its last nine fields per line: the application columns (valid for the sample capture, whose
/// application values hold no commas or quotes). What a build without nDPI writes.
func withoutApplicationColumns(_ csv: Data) -> Data {
    let lines = String(decoding: csv, as: UTF8.self).components(separatedBy: "\r\n")
    let cut = lines.map { line in line.isEmpty ? line : line.split(separator: ",", omittingEmptySubsequences: false).dropLast(9).joined(separator: ",") }
    return Data(cut.joined(separator: "\r\n").utf8)
}

/// The golden `name`, as this build writes it by default (without nDPI, no application columns).
func expectedByDefault(_ name: String) throws -> Data {
    let golden = try Data(contentsOf: CLIRunner.golden(name))
    return ApplicationDetection.isAvailable ? golden : withoutApplicationColumns(golden)
}

@Suite struct ConvertCommandTests {
    static let featureOptions = ["--statistics", "--splt", "10"]

    @Test func sampleCaptureConvertsToTheGoldenCSV() throws {
        let dir = try ScratchDirectory()
        let result = try CLIRunner.run(
            ["convert", CLIRunner.sampleCapture, "-o", dir.path("out.csv"), "-q"] + Self.featureOptions)
        #expect(result.status == 0, "\(result.stderr)")
        let produced = try Data(contentsOf: URL(fileURLWithPath: dir.path("out.csv")))
        #expect(produced == (try expectedByDefault("sample-statistics-splt10.csv")))
    }

    @Test func defaultColumnsMatchTheGoldenCSV() throws {
        let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"])
        #expect(result.status == 0)
        #expect(result.stdout == (try expectedByDefault("sample-default.csv")))
        if ApplicationDetection.isAvailable {
            #expect(result.stderr.isEmpty, "nothing on stderr when it is not a terminal")
        } else {
            #expect(result.stderr.contains("built without nDPI"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func dissectionsZeroRemovesTheNineApplicationColumns() throws {
        let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--dissections", "0"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let golden = try Data(contentsOf: CLIRunner.golden("sample-default.csv"))
        #expect(result.stdout == withoutApplicationColumns(golden))
        #expect(!String(decoding: result.stdout, as: UTF8.self).contains("application_name"))
    }

    @Test(.enabled(if: ApplicationDetection.isAvailable, "built without nDPI"))
    func defaultRunNamesTheApplicationsOfTheSampleCapture() throws {
        let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"])
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\r\n").map(String.init)
        #expect(
            lines[0].hasSuffix(
                ",dst2src_bytes,application_name,application_category_name,application_is_guessed,application_confidence,requested_server_name,client_fingerprint,server_fingerprint,user_agent,content_type"
            ))
        // curl over IPv4 to a local HTTP server: what NFStream 6.6.0 writes for it too.
        #expect(lines[1].hasSuffix(",HTTP,Web,0,6,127.0.0.1,,,curl/7.88.1,text/html"))
        #expect(lines.contains { $0.hasSuffix(",ICMP,Network,0,6,,,,,") })
    }

    @Test(.enabled(if: !ApplicationDetection.isAvailable, "built with nDPI"))
    func dissectionsWithoutNDPIFailsWithAClearMessage() throws {
        let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--dissections", "20"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("application detection is unavailable"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func sameInputGivesByteIdenticalOutput() throws {
        let a = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"] + Self.featureOptions)
        let b = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"] + Self.featureOptions)
        #expect(a.stdout == b.stdout)
        #expect(a.stdout.count > 1000)
    }

    @Test func gzipOutputIsValidAndHoldsTheSameCSV() throws {
        let dir = try ScratchDirectory()
        let plain = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"] + Self.featureOptions)
        #expect(try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", dir.path("f.csv.gz")] + Self.featureOptions).status == 0)
        #expect(try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", dir.path("g.csv"), "--gzip"] + Self.featureOptions).status == 0)
        #expect(try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", dir.path("h.CSV.GZ")] + Self.featureOptions).status == 0)
        for name in ["f.csv.gz", "g.csv", "h.CSV.GZ"] {
            let gunzip = Process()
            gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
            gunzip.arguments = ["-dc", dir.path(name)]
            let pipe = Pipe()
            gunzip.standardOutput = pipe
            try gunzip.run()
            let text = pipe.fileHandleForReading.readDataToEndOfFile()
            #expect(gunzip.waitUntilExit(timeout: 60))
            #expect(gunzip.terminationStatus == 0)
            #expect(text == plain.stdout)
        }
    }

    @Test func standardInputIsReadAsACapture() throws {
        let capture = try Data(contentsOf: URL(fileURLWithPath: CLIRunner.sampleCapture))
        let fromFile = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"])
        let fromStdin = try CLIRunner.run(["convert", "-", "-o", "-"], stdin: capture)
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        #expect(fromStdin.stdout == fromFile.stdout)
    }

    @Test func flowsContinueAcrossInputFiles() throws {
        let dir = try ScratchDirectory()
        let capture = try Data(contentsOf: URL(fileURLWithPath: CLIRunner.sampleCapture))
        // Cut in the middle of the first TCP connection (packet 5 of 91).
        let (first, second) = splitPcap(capture, afterRecords: 5)
        try first.write(to: URL(fileURLWithPath: dir.path("a.pcap")))
        try second.write(to: URL(fileURLWithPath: dir.path("b.pcap")))
        let whole = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"] + Self.featureOptions)
        let parts = try CLIRunner.run(["convert", dir.path("a.pcap"), dir.path("b.pcap"), "-o", "-"] + Self.featureOptions)
        #expect(parts.status == 0)
        #expect(parts.stdout == whole.stdout)
    }

    @Test func bpfFilterKeepsOnlyMatchingPackets() throws {
        let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--bpf", "udp"])
        #expect(result.status == 0)
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\r\n")
        #expect(lines.count == 2)  // header + the one UDP flow
        #expect(lines[1].contains(",18081,17,4,"))
    }

    @Test func tcpTerminationEndsConnectionsAndNamesTheReason() throws {
        let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--tcp-termination"])
        #expect(result.status == 0)
        let rows = String(decoding: result.stdout, as: UTF8.self).split(separator: "\r\n").map { $0.split(separator: ",") }
        #expect(rows[0][1] == "expiration_id" && rows[0][2] == "expiration_reason")
        // The five HTTP connections close with FIN/FIN/ACK; UDP and ICMP flows run to the end of the capture.
        #expect(rows.dropFirst().filter { $0[1] == "3" && $0[2] == "tcp_fin" }.count == 5)
        #expect(rows.dropFirst().filter { $0[1] == "0" && $0[2] == "end_of_stream" }.count == 3)
    }

    @Test func featuresOptionSelectsTheSameColumnsAsTheShorthands() throws {
        let long = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--features", "splt,statistics", "--splt", "10"])
        let short = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--statistics", "--splt", "10"])
        #expect(long.status == 0)
        #expect(long.stdout == short.stdout)
        let unknown = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--features", "statistics,colour"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown feature set 'colour'"))
    }

    @Test func featuresCommandListsEveryColumn() throws {
        let result = try CLIRunner.run(["features"])
        #expect(result.status == 0)
        let text = String(decoding: result.stdout, as: UTF8.self)
        for column in [
            "src_ip", "bidirectional_stddev_piat_ms", "dst2src_fin_packets", "splt_piat_ms", "application_name",
            "client_fingerprint",
        ] {
            #expect(text.contains(column))
        }
        #expect(text.contains("  src_ip  [text; Parquet STRING]"))
        #expect(text.contains("  bidirectional_packets  [integer; Parquet INT64]"))
        #expect(text.contains("  bidirectional_mean_ps  [float; Parquet DOUBLE]"))
        #expect(text.contains("  splt_ps  [list; Parquet LIST<INT64>]"))
    }

    @Test func noTunnelsDropsTheTunnelColumn() throws {
        let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--no-tunnels", "--dissections", "0"])
        let header = String(decoding: result.stdout, as: UTF8.self).split(separator: "\r\n")[0]
        #expect(!header.contains("tunnel_id"))
        #expect(header.split(separator: ",").count == 28)
    }
}

@Suite struct BadInputTests {
    @Test func missingInputNamesTheFileAndLeavesNoOutput() throws {
        let dir = try ScratchDirectory()
        let result = try CLIRunner.run(["convert", dir.path("nope.pcap"), "-o", dir.path("out.csv")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("nope.pcap"))
        #expect(result.stderr.contains("No such file"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).isEmpty)
    }

    @Test func aFileThatIsNotACaptureIsRejectedBeforeAnyOutput() throws {
        let dir = try ScratchDirectory()
        try Data("this is not a capture\n".utf8).write(to: URL(fileURLWithPath: dir.path("notes.txt")))
        let result = try CLIRunner.run([
            "convert", CLIRunner.sampleCapture, dir.path("notes.txt"), "-o", dir.path("out.csv"),
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("notes.txt"))
        #expect(result.stderr.contains("not a pcap or pcapng"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("out.csv")))
    }

    @Test func aCaptureCutMidRecordWritesTheFlowsBeforeAndExitsThree() throws {
        let dir = try ScratchDirectory()
        let capture = try Data(contentsOf: URL(fileURLWithPath: CLIRunner.sampleCapture))
        try capture.prefix(5000).write(to: URL(fileURLWithPath: dir.path("cut.pcap")))
        let result = try CLIRunner.run(["convert", dir.path("cut.pcap"), "-o", dir.path("out.csv")])
        #expect(result.status == 3)
        #expect(result.stderr.contains("cut.pcap"))
        #expect(result.stderr.contains("packet 45 could not be read"))
        #expect(result.stderr.contains("byte offset 5000"))
        let rows = try String(contentsOfFile: dir.path("out.csv"), encoding: .utf8).split(separator: "\r\n")
        #expect(rows.count == 5)  // header + the 4 flows of the first 44 packets
    }

    @Test func garbageAfterAValidHeaderIsReportedNotCrashed() throws {
        let dir = try ScratchDirectory()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLIRunner.sampleCapture)).prefix(24))
        var state: UInt64 = 42
        for _ in 0..<4096 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path("garbage.pcap")))
        let result = try CLIRunner.run(["convert", dir.path("garbage.pcap"), "-o", dir.path("out.csv")])
        #expect(result.status == 0 || result.status == 3)
        #expect(result.status == 0 || result.stderr.contains("garbage.pcap"))
    }

    @Test func badFilterQuotesLibpcap() throws {
        let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--bpf", "port eighty"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("invalid --bpf filter 'port eighty'"))
        #expect(result.stderr.contains("syntax error") || result.stderr.contains("unknown"))
        #expect(result.stdout.isEmpty)
    }

    @Test func badOptionValuesNameTheOptionAndRange() throws {
        let cases: [([String], String)] = [
            (["--accounting-mode", "7"], "--accounting-mode must be 0, 1, 2 or 3"),
            (["--splt", "70000"], "--splt must be between 0 and 65535"),
            (["--idle-timeout=-1"], "--idle-timeout must be a number of seconds"),
            (["--dissections", "256"], "--dissections must be between 0 and 255"),
            (["--threads", "65"], "--threads must be between 1 and 64, the number of flow-table shards (got 65)"),
            (["--threads", "0"], "--threads must be between 1 and 64"),
        ]
        for (options, message) in cases {
            let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-"] + options)
            #expect(result.status == 64)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test func parquetOptionsThatContradictTheOutputAreRefusedNamingTheFix() throws {
        let cases: [([String], String)] = [
            (["-o", "x.parquet", "--gzip"], "--gzip compresses CSV; for Parquet use --parquet-compression gzip"),
            (["-o", "x.parquet", "--format", "csv"], "names a Parquet file but --format is csv"),
            (["-o", "x.csv", "--format", "parquet"], "names a CSV file but --format is parquet"),
            (["-o", "x.parquet", "--parquet-compression", "lz4"], "--parquet-compression must be zstd, gzip, snappy or none (got 'lz4')"),
            (["-o", "x.parquet", "--parquet-row-group", "0"], "--parquet-row-group must be a number of rows from 1"),
            (["-o", "x.csv", "--parquet-compression", "zstd"], "apply to Parquet output: name the output .parquet or add --format parquet"),
            (["-o", "-", "--format", "xml"], "--format"),
        ]
        for (options, message) in cases {
            let result = try CLIRunner.run(["convert", CLIRunner.sampleCapture] + options)
            #expect(result.status == 64, "\(options)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test func parquetOutputIsAWholeFileUnderItsNameAndOnStandardOutput() throws {
        let dir = try ScratchDirectory()
        let named = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", dir.path("f.PARQUET"), "-q"])
        #expect(named.status == 0)
        let file = try Data(contentsOf: URL(fileURLWithPath: dir.path("f.PARQUET")))
        #expect(file.prefix(4).elementsEqual("PAR1".utf8) && file.suffix(4).elementsEqual("PAR1".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["f.PARQUET"])
        let piped = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "-", "--format", "parquet"])
        #expect(piped.status == 0)
        #expect(piped.stdout == file)
        let snappy = try CLIRunner.run(
            ["convert", CLIRunner.sampleCapture, "-o", "-", "--format", "parquet", "--parquet-compression", "snappy"])
        #expect(snappy.stdout != file && snappy.stdout.suffix(4).elementsEqual("PAR1".utf8))
    }

    @Test func unwritableOutputNamesThePathAndTheReason() throws {
        let dir = try ScratchDirectory()
        let missingDir = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", dir.path("no/such/dir/x.csv")])
        #expect(missingDir.status == 1)
        #expect(missingDir.stderr.contains("no/such/dir/x.csv"))
        #expect(missingDir.stderr.contains("No such file or directory"))
        let full = try CLIRunner.run(["convert", CLIRunner.sampleCapture, "-o", "/dev/full"])
        #expect(full.status == 1)
        #expect(full.stderr.contains("/dev/full"))
        #expect(full.stderr.contains("No space left on device"))
    }
}

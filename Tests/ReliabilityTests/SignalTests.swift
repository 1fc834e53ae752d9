#if os(Linux)

import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM during `convert`, at several points: every flow metered so far is written, the gzip
/// output is valid, the status is 130 and stderr says the input was not read to its end (README, "Exit status").
@Suite struct SignalTests {
    /// Checks an interrupted conversion whose input had one flow per packet (so flows = packets read).
    static func checkInterrupted(
        _ exit: Child.Exit, output: String, expectedFlows: Int? = nil, context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(exit.signal == nil && !exit.timedOut, "\(context): \(exit)", sourceLocation: sourceLocation)
        #expect(exit.code == 130, "\(context): \(exit)", sourceLocation: sourceLocation)
        #expect(exit.stderr.contains("interrupted"), "\(context): \(exit)", sourceLocation: sourceLocation)
        #expect(exit.stderr.contains("'\(output)'"), "\(context): \(exit)", sourceLocation: sourceLocation)
        #expect(exit.stderr.contains("not read"), "\(context): \(exit)", sourceLocation: sourceLocation)
        let data = try #require(try CSVCheck.gunzip(output), "\(context): not valid gzip", sourceLocation: sourceLocation)
        let lines = try #require(CSVCheck.lines(data), "\(context): CSV not ended by CRLF", sourceLocation: sourceLocation)
        let flows = lines.count - 1
        let said = CSVCheck.flowsWritten(inInterruptMessage: exit.stderr)
        #expect(said == flows, "\(context): stderr says \(said ?? -1) flows, the file has \(flows)", sourceLocation: sourceLocation)
        // One flow per packet: the flows written are the packets read (every one decodes).
        if let range = exit.stderr.range(of: "from the first ") {
            let packets = Int(exit.stderr[range.upperBound...].prefix { $0.isNumber })
            #expect(packets == flows, "\(context): \(packets ?? -1) packets read, \(flows) flows", sourceLocation: sourceLocation)
        }
        if let expectedFlows {
            #expect(flows == expectedFlows, "\(context)", sourceLocation: sourceLocation)
        }
        let ids = lines.dropFirst().map { $0.prefix { $0 != "," } }
        #expect(ids.elementsEqual((0..<flows).map { Substring(String($0)) }), "\(context): ids not 0..<\(flows)", sourceLocation: sourceLocation)
    }

    /// Waits until `child` has created the temporary file of `output`: its signal handlers are installed by then
    /// (they are, first thing in `convert`), so a signal stops the run instead of killing the process.
    static func waitUntilWriting(_ child: Child, output: String) {
        let url = URL(fileURLWithPath: output)
        let partial = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).partial-\(child.pid)"
        ).path
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: partial) && child.isRunning && Date() < deadline {
            usleep(1_000)
        }
    }

    /// A long conversion of a generated file (100 000 one-packet flows, ~1.5 s in a debug build), the signal
    /// sent once the output's temporary file exists (the handlers are installed before it is created) plus a
    /// delay. A release build may finish before a late signal: then the run must simply be complete.
    @Test(arguments: [(SIGINT, 0), (SIGTERM, 100), (SIGINT, 250), (SIGTERM, 450)])
    func signalDuringALongConversion(signal: Int32, delayMilliseconds: Int) throws {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory()
        let trace = directory.file("scan.pcap")
        let flowCount = 100_000
        try ScanTrace.write(to: trace, flows: flowCount)
        let output = directory.file("flows.csv.gz")
        let child = try Child(flowmeter, ["convert", trace, "-o", output, "--threads", "2", "-q"])
        Self.waitUntilWriting(child, output: output)
        usleep(useconds_t(delayMilliseconds * 1000))
        let wasRunning = child.isRunning
        child.signal(signal)
        let exit = child.wait(timeout: 30)
        let context = "signal \(signal) after \(delayMilliseconds) ms"
        if exit.code == 0 && !(delayMilliseconds == 0 && wasRunning) {
            // Finished before the signal: complete output.
            let data = try #require(try CSVCheck.gunzip(output))
            #expect(CSVCheck.lines(data)?.count == flowCount + 1, "\(context)")
        } else {
            try Self.checkInterrupted(exit, output: output, context: context)
        }
        #expect(try directory.contents() == ["flows.csv.gz", "scan.pcap"], "\(context): temporary file left")
    }

    /// `convert -` fed slowly through a pipe: the signal arrives while the reader waits for more bytes, after
    /// `records` whole records and `extraBytes` of the next one. Every flow of the records sent is written.
    @Test(arguments: [(SIGINT, 1, 0), (SIGTERM, 2000, 0), (SIGINT, 3000, 7), (SIGTERM, 500, 40)])
    func signalWhileStandardInputIsSlow(signal: Int32, records: Int, extraBytes: Int) throws {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory()
        let output = directory.file("flows.csv.gz")
        let capture = ScanTrace.bytes(flows: records + 1)
        let child = try Child(flowmeter, ["convert", "-", "-o", output, "--statistics"], input: .pipe)
        Self.waitUntilWriting(child, output: output)
        // Header and records in three pieces, a pause between them (the reader blocks, then goes on).
        let end = 24 + records * ScanTrace.recordSize + extraBytes
        let pieces = [0, end / 3, 2 * end / 3, end]
        for i in 0..<3 {
            child.write(Array(capture[pieces[i]..<pieces[i + 1]]))
            usleep(100_000)
        }
        usleep(400_000)  // time to meter what was sent (the reader then waits in read(2))
        child.signal(signal)
        let exit = child.wait(timeout: 20)
        child.closeInput()
        try Self.checkInterrupted(
            exit, output: output, expectedFlows: records,
            context: "signal \(signal) after \(records) records + \(extraBytes) bytes on stdin")
    }

    /// A second SIGINT while the first one's clean stop cannot finish (the output is a FIFO nobody reads, so the
    /// writer waits in write(2)): the process ends at once with status 130 and says so.
    @Test func secondSignalEndsARunWhoseOutputDoesNotDrain() throws {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory()
        let trace = directory.file("scan.pcap")
        try ScanTrace.write(to: trace, flows: 50_000)
        let fifo = directory.file("flows.csv")
        try #require(mkfifo(fifo, 0o600) == 0)
        // A reader that never reads: the pipe's 64 KiB fill up and the writer blocks.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        try #require(reader >= 0)
        defer { close(reader) }
        let child = try Child(flowmeter, ["convert", trace, "-o", fifo, "--threads", "1", "-q"])
        usleep(1_500_000)
        try #require(child.isRunning, "the conversion ended although its output was not read")
        child.signal(SIGINT)
        usleep(500_000)
        #expect(child.isRunning, "the first SIGINT cannot finish: the output does not drain")
        child.signal(SIGINT)
        let exit = child.wait(timeout: 10)
        #expect(!exit.timedOut && exit.signal == nil, "\(exit)")
        #expect(exit.code == 130, "\(exit)")
        #expect(exit.stderr.contains("interrupted again"), "\(exit)")
    }

    /// The signal arrives while `convert -` still waits for the capture's file header.
    @Test(arguments: [0, 10])
    func signalBeforeTheCaptureHeaderArrives(headerBytes: Int) throws {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory()
        let output = directory.file("flows.csv.gz")
        let child = try Child(flowmeter, ["convert", "-", "-o", output], input: .pipe)
        Self.waitUntilWriting(child, output: output)
        child.write(Array(ScanTrace.bytes(flows: 1).prefix(headerBytes)))
        usleep(400_000)
        child.signal(SIGINT)
        let exit = child.wait(timeout: 20)
        child.closeInput()
        #expect(exit.signal == nil, "\(exit)")
        // libpcap's open fails with EINTR; that is reported as an interruption (status 130), not as damage.
        try Self.checkInterrupted(exit, output: output, expectedFlows: 0, context: "signal before the header")
    }
}

#endif

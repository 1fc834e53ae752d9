#if os(Linux)

import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inputs that can be read only once: a process substitution (`convert <(zcat day1.pcap.gz) -o …`, which the
/// shell passes as /dev/fd/N, a pipe) and a named pipe. They must convert like the file they carry.
@Suite struct PipeInputTests {
    static var sample: String { Flowmeter.packageRoot.appendingPathComponent("Examples/captures/sample.pcap").path }

    static func checkSampleConverted(_ exit: Child.Exit, output: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(exit.code == 0 && !exit.timedOut, "\(exit)", sourceLocation: sourceLocation)
        let lines = FileManager.default.contents(atPath: output).flatMap(CSVCheck.lines)
        #expect(lines?.count == 9, "header + the sample's 8 flows", sourceLocation: sourceLocation)
    }

    @Test func processSubstitutionConvertsLikeTheFile() throws {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory()
        let output = directory.file("flows.csv")
        let exit = try Child.run(
            "/bin/bash", ["-c", "exec \"$0\" convert <(cat \"$1\") -o \"$2\" -q", flowmeter, Self.sample, output],
            timeout: 20)
        // Inputs that can be read only once are not opened ahead by the validation.
        Self.checkSampleConverted(exit, output: output)
    }

    @Test func namedPipeConvertsLikeTheFile() throws {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory()
        let fifo = directory.file("capture.fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        let output = directory.file("flows.csv")
        let writer = try Child("/bin/sh", ["-c", "exec cat \"$0\" > \"$1\"", Self.sample, fifo])
        // Opened once only: a second open would wait for a writer that has gone (the run is stopped after 3 s;
        // the sample takes ~50 ms).
        let exit = try Child.run(flowmeter, ["convert", fifo, "-o", output, "-q"], timeout: 3)
        writer.signal(SIGKILL)
        writer.wait(timeout: 5)
        Self.checkSampleConverted(exit, output: output)
    }
}

#endif

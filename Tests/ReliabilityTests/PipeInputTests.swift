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

    /// Named pipes read on job threads (`--each-file --jobs 2`): the signal lands on the main thread, which waits
    /// for the jobs, not on the threads blocked reading the pipes. The reads must end all the same; the pipes'
    /// writers stay open and silent, so nothing else would end them.
    @Test func anInterruptionEndsReadsBlockedOnPipesInEveryJob() throws {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory()
        let head = Array(try Data(contentsOf: URL(fileURLWithPath: Self.sample)).prefix(2000))
        var writers: [Int32] = []
        defer { for fd in writers { close(fd) } }
        for name in ["a.pcap", "b.pcap"] {
            try #require(mkfifo(directory.file(name), 0o600) == 0)
            // Read and write: the open does not wait for a reader, and the pipe keeps a writer.
            let fd = open(directory.file(name), O_RDWR | O_NONBLOCK)
            try #require(fd >= 0)
            writers.append(fd)
            #expect(head.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == head.count)
        }
        let output = directory.file("flows.csv")
        let child = try Child(
            flowmeter, ["convert", directory.file("a.pcap"), directory.file("b.pcap"), "--each-file", "--jobs", "2",
                        "-o", output, "-q"])
        // Both pipes drained: each job has read its part and waits for more.
        var waited = 0
        while waited < 1000, writers.contains(where: { bytesWaiting(inPipe: $0) > 0 }) {
            usleep(10_000)
            waited += 1
        }
        try #require(waited < 1000, "flowmeter did not read the pipes")
        usleep(200_000)
        child.signal(SIGINT)
        let exit = child.wait(timeout: 10)
        #expect(!exit.timedOut, "the reads blocked on the pipes did not end: \(exit)")
        #expect(exit.code == 130, "\(exit)")
        #expect(exit.stderr.contains("interrupted: wrote the 2 flows metered from the first 17 packets"), "\(exit)")
        let lines = FileManager.default.contents(atPath: output).flatMap(CSVCheck.lines)
        #expect(lines?.count == 3, "header + the first input's 2 flows")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(left == ["a.pcap", "b.pcap", "flows.csv"])
    }
}

#endif

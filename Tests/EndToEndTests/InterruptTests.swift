import FlowTestSupport
import Foundation
import Testing

@Suite struct InterruptTests {
    /// SIGINT while `convert -` waits for more input: the flows metered so far are written as valid gzip,
    /// the exit status is 130 and stderr says the input was not read to its end.
    @Test func interruptedConversionWritesTheFlowsSoFarAsValidGzip() throws {
        let dir = try ScratchDirectory()
        let output = dir.path("flows.csv.gz")
        let capture = try Data(contentsOf: URL(fileURLWithPath: CLIRunner.sampleCapture))
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["convert", "-", "-o", output, "--statistics"]
        let input = Pipe()
        let errorFile = dir.path("stderr")
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        process.standardInput = input
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(capture)  // the whole sample, then the pipe stays open
        // Wait until the sample has been read (nothing to observe but time: the reader blocks on the pipe).
        Thread.sleep(forTimeInterval: 1.0)
        process.interrupt()
        #expect(process.waitUntilExit(timeout: 60), "the interrupted run did not end")
        try? input.fileHandleForWriting.close()
        #expect(process.terminationStatus == 130)
        let stderr = try String(contentsOfFile: errorFile, encoding: .utf8)
        #expect(stderr.contains("interrupted"))
        #expect(stderr.contains(output))

        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", output]
        let pipe = Pipe()
        gunzip.standardOutput = pipe
        try gunzip.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(gunzip.waitUntilExit(timeout: 60))
        #expect(gunzip.terminationStatus == 0)
        #expect(text.split(separator: "\r\n").count == 9)  // header + the sample's 8 flows
    }
}

#if os(Linux)

import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Output that cannot be written: a full device (/dev/full, and a 64 KiB or 4 KiB tmpfs the test mounts), a missing
/// directory, a read-only directory, a standard output closed by its reader (`| head -1`). Each time: a message
/// naming the output and the system's error, status 1, no crash, and no output file that looks complete (no file
/// at all, and no temporary file left behind).
@Suite struct WriteFaultTests {
    /// A trace whose CSV (~1.3 MB plain, ~100 KB gzip) overflows a 64 KiB device and a pipe's buffer.
    static func trace(in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("trace.pcap")
        try ScanTrace.write(to: path, flows: 6000)
        return path
    }

    static func checkFailure(
        _ exit: Child.Exit, output: String, systemError: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(exit.signal == nil && !exit.timedOut, "\(exit)", sourceLocation: sourceLocation)
        #expect(exit.code == 1, "\(exit)", sourceLocation: sourceLocation)
        #expect(exit.stderr.hasPrefix("flowmeter: "), "\(exit)", sourceLocation: sourceLocation)
        #expect(exit.stderr.contains("'\(output)'"), "the message names the output: \(exit)", sourceLocation: sourceLocation)
        #expect(exit.stderr.contains(systemError), "the message gives the system error: \(exit)", sourceLocation: sourceLocation)
        #expect(exit.stderr.split(separator: "\n").count == 1, "one message: \(exit)", sourceLocation: sourceLocation)
    }

    @Test(arguments: ["flows.csv", "flows.csv.gz"], ["1", "2"])
    func fullDeviceLeavesNoFileAndSaysSo(name: String, threads: String) throws {
        if let reason = TinyTmpfs.unavailableReason { try Test.cancel("\(reason)") }
        let flowmeter = try Flowmeter.require()
        let scratch = try TemporaryDirectory()
        let trace = try Self.trace(in: scratch)
        // The gzip output of the trace is ~60 KB: one page of tmpfs is too small for it.
        let device = try TinyTmpfs(size: name.hasSuffix(".gz") ? "4k" : "64k")
        defer { device.remove() }
        let output = device.path + "/" + name
        let exit = try Child.run(flowmeter, ["convert", trace, "-o", output, "--threads", threads, "-q"])
        Self.checkFailure(exit, output: output, systemError: "No space left on device")
        #expect(try FileManager.default.contentsOfDirectory(atPath: device.path) == [], "files left on the device")
    }

    @Test(arguments: [[], ["--gzip"]])
    func devFullSaysNoSpace(options: [String]) throws {
        let flowmeter = try Flowmeter.require()
        guard FileManager.default.fileExists(atPath: "/dev/full") else { try Test.cancel("no /dev/full") }
        let scratch = try TemporaryDirectory()
        let trace = try Self.trace(in: scratch)
        let exit = try Child.run(flowmeter, ["convert", trace, "-o", "/dev/full", "-q"] + options)
        Self.checkFailure(exit, output: "/dev/full", systemError: "No space left on device")
    }

    @Test func missingDirectorySaysSoBeforeReading() throws {
        let flowmeter = try Flowmeter.require()
        let scratch = try TemporaryDirectory()
        let trace = try Self.trace(in: scratch)
        let directory = try TemporaryDirectory()
        let output = directory.file("no-such-directory/flows.csv")
        let exit = try Child.run(flowmeter, ["convert", trace, "-o", output, "-q"])
        Self.checkFailure(exit, output: output, systemError: "No such file or directory")
        #expect(try directory.contents() == [])
    }

    @Test func readOnlyDirectorySaysSo() throws {
        let flowmeter = try Flowmeter.require()
        let scratch = try TemporaryDirectory()
        let trace = try Self.trace(in: scratch)
        if Flowmeter.isRoot {
            // Root ignores permission bits: a read-only mount is the one directory root cannot write.
            if let reason = TinyTmpfs.unavailableReason { try Test.cancel("\(reason)") }
            let readOnly = try TinyTmpfs(size: "64k", readOnly: true)
            defer { readOnly.remove() }
            let output = readOnly.path + "/flows.csv"
            let exit = try Child.run(flowmeter, ["convert", trace, "-o", output, "-q"])
            Self.checkFailure(exit, output: output, systemError: "Read-only file system")
        } else {
            let directory = try TemporaryDirectory()
            chmod(directory.path, 0o555)
            defer { chmod(directory.path, 0o755) }
            let output = directory.file("flows.csv")
            let exit = try Child.run(flowmeter, ["convert", trace, "-o", output, "-q"])
            Self.checkFailure(exit, output: output, systemError: "Permission denied")
            #expect(try directory.contents() == [])
        }
    }

    /// A file size limit (`ulimit -f`, systemd's LimitFSIZE, batch schedulers): the write that crosses it fails
    /// with EFBIG — once SIGXFSZ, whose default action kills the process, is ignored.
    @Test func fileSizeLimitSaysFileTooLarge() throws {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory()
        let trace = try Self.trace(in: directory)
        let outputDirectory = directory.file("out")
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: false)
        let output = outputDirectory + "/flows.csv"
        // 128 blocks of 512 bytes: 64 KiB, well below the ~1.3 MB the trace's CSV needs.
        let exit = try Child.run(
            "/bin/sh", ["-c", "ulimit -f 128 && exec \"$0\" convert \"$1\" -o \"$2\" -q", flowmeter, trace, output])
        let left = try FileManager.default.contentsOfDirectory(atPath: outputDirectory)
        #expect(exit.signal == nil, "\(exit)")
        Self.checkFailure(exit, output: output, systemError: "File too large")
        #expect(left == [], "files left behind")
    }

    /// `flowmeter convert … -o - | head -1`: head exits after the header, the next write gets EPIPE (SIGPIPE is
    /// ignored), flowmeter says so and exits 1 instead of dying of SIGPIPE.
    @Test(arguments: [[], ["--gzip"], ["--threads", "1"]])
    func standardOutputClosedByTheReader(options: [String]) throws {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory()
        let trace = try Self.trace(in: directory)
        let status = directory.file("status")
        let flowmeterStderr = directory.file("stderr")
        let script =
            "\"$0\" convert \"$1\" -o - -q \(options.joined(separator: " ")) 2> \"$3\" | head -c 100 > /dev/null; echo ${PIPESTATUS[0]} > \"$2\""
        let shell = try Child.run("/bin/bash", ["-c", script, flowmeter, trace, status, flowmeterStderr])
        #expect(shell.code == 0, "\(shell)")
        let code = Int32(try String(contentsOfFile: status, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        let stderr = try String(contentsOfFile: flowmeterStderr, encoding: .utf8)
        let exit = Child.Exit(
            code: code.flatMap { $0 >= 128 ? nil : $0 }, signal: code.flatMap { $0 >= 128 ? $0 - 128 : nil },
            maxRSSKiB: 0, timedOut: false, stderr: stderr)
        Self.checkFailure(exit, output: "-", systemError: "Broken pipe")
    }
}

#endif

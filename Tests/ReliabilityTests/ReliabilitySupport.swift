#if os(Linux)

import FlowPacket
import CLibc
import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built `flowmeter` executable (next to the test bundle), and the package's files.
enum Flowmeter {
    static var executable: String? {
        guard let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let here = URL(fileURLWithPath: me).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("flowmeter").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// The executable, or the test is cancelled.
    static func require() throws -> String {
        guard let path = executable else { try Test.cancel("the flowmeter executable is not built") }
        return path
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// `../shared/conformance/pcaps` next to the checkout, when present.
    static var conformanceCaptures: [String] {
        let directory = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/pcaps")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0).path }
    }

    /// The crash regressions found by fuzzing (Tests/EndToEndTests/Fixtures/regressions/SUBDIRECTORY).
    static func regressions(_ subdirectory: String) -> [String] {
        let directory = packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/regressions/\(subdirectory)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted()
            .map { directory.appendingPathComponent($0).path }
    }

    static var isRoot: Bool { geteuid() == 0 }
}

/// A child process started with `posix_spawn`, every signal unblocked and at its default action (the test
/// runner's threads block signals and Foundation's `Process` would pass that mask on), stdin from a file or a
/// pipe the test writes, stdout and stderr to files (or stdout to a pipe). `wait` reaps it with `wait4`, which
/// also gives its peak resident set size.
final class Child {
    enum Input {
        case null
        case file(String)
        /// A pipe: the test writes with `write(_:)` and closes with `closeInput()`.
        case pipe
    }

    struct Exit: CustomStringConvertible {
        /// The exit code (nil when a signal ended the process).
        var code: Int32?
        /// The signal that ended the process (nil when it exited).
        var signal: Int32?
        /// Peak resident set size in KiB: see `runMeasuringMemory` (`wait` gives ru_maxrss, which includes the
        /// test process's own peak).
        var maxRSSKiB: Int
        var timedOut: Bool
        var stderr: String

        var description: String {
            let how = code.map { "exit \($0)" } ?? "killed by signal \(signal ?? -1)"
            return "\(how)\(timedOut ? " (timed out)" : ""), max RSS \(maxRSSKiB) KiB, stderr: \(stderr)"
        }
    }

    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private(set) var inputFD: Int32 = -1
    private let directory: TemporaryDirectory
    private var exit: Exit?

    /// Starts `executable arguments`; `stdout` names the file standard output goes to (default: a scratch file).
    init(_ executable: String, _ arguments: [String], input: Input = .null, stdout: String? = nil) throws {
        directory = try TemporaryDirectory(prefix: "flowmeter-child")
        stdoutPath = stdout ?? directory.file("stdout")
        stderrPath = directory.file("stderr")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeFDs: [Int32] = [-1, -1]
        switch input {
        case .null:
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        case .pipe:
            // Not inherited by other children the test process starts (dup2 onto 0 clears the flag for this one).
            guard flowmeter_pipe2(&pipeFDs, O_CLOEXEC) == 0 else { throw POSIXError(.EMFILE) }
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // No other descriptor: a pipe another test opened without close-on-exec (Foundation's `Pipe`) would stay
        // open, and its reader would wait for its end, for as long as this child lives.
        flowmeter_spawn_closefrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        if pipeFDs[0] >= 0 { close(pipeFDs[0]) }
        guard rc == 0 else {
            if pipeFDs[1] >= 0 { close(pipeFDs[1]) }
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL)
        }
        pid = child
        inputFD = pipeFDs[1]
    }

    deinit {
        closeInput()
        if exit == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    /// Writes `bytes` to the child's standard input pipe (all of them; false when the child closed it).
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        guard inputFD >= 0 else { return false }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(inputFD, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    func closeInput() {
        if inputFD >= 0 {
            close(inputFD)
            inputFD = -1
        }
    }

    func signal(_ signal: Int32) { if exit == nil { kill(pid, signal) } }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits at most `timeout` seconds for the end (then SIGKILL), reaps the process.
    @discardableResult
    func wait(timeout: Double = 30) -> Exit {
        if let exit { return exit }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        while true {
            let rc = wait4(pid, &status, WNOHANG, &usage)
            if rc == pid { break }
            if rc < 0 && errno != EINTR { break }
            if Date() > deadline && !timedOut {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(2_000)
        }
        let signal = status & 0x7F
        let result = Exit(
            code: signal == 0 ? (status >> 8) & 0xFF : nil, signal: signal == 0 ? nil : signal,
            maxRSSKiB: Int(usage.ru_maxrss), timedOut: timedOut, stderr: stderr)
        exit = result
        return result
    }

    /// True while the process runs (does not reap it).
    var isRunning: Bool {
        if exit != nil { return false }
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == 0
    }

    /// Runs to the end.
    static func run(_ executable: String, _ arguments: [String], input: Input = .null, timeout: Double = 30)
        throws -> Exit
    {
        try Child(executable, arguments, input: input).wait(timeout: timeout)
    }

    /// Runs to the end under GNU time (when /usr/bin/time exists) to learn the peak RSS of the process itself:
    /// `wait4`'s ru_maxrss is useless here, as posix_spawn starts the child in the test process's address space
    /// (CLONE_VM) and Linux carries that address space's high-water mark over the exec. `maxRSSKiB` is -1
    /// without GNU time.
    static func runMeasuringMemory(_ executable: String, _ arguments: [String], timeout: Double = 60) throws -> Exit {
        let time = "/usr/bin/time"
        guard FileManager.default.isExecutableFile(atPath: time) else {
            var exit = try run(executable, arguments, timeout: timeout)
            exit.maxRSSKiB = -1
            return exit
        }
        let scratch = try TemporaryDirectory(prefix: "flowmeter-time")
        let report = scratch.file("time")
        var exit = try run(time, ["-f", "%M", "-o", report, "--", executable] + arguments, timeout: timeout)
        let lines = ((try? String(contentsOfFile: report, encoding: .utf8)) ?? "").split(separator: "\n")
        exit.maxRSSKiB = lines.last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? -1
        if let line = lines.first(where: { $0.hasPrefix("Command terminated by signal ") }) {
            exit.signal = Int32(line.split(separator: " ").last ?? "")
            exit.code = nil
        }
        return exit
    }
}

/// Synthetic traces written fast (a frame template patched per packet): `flows` distinct UDP flows
/// (10.x.y.z:port → 192.168.0.1:53), `packetsPerFlow` packets each, 1 µs apart, 60-byte Ethernet frames.
enum ScanTrace {
    static let recordSize = 16 + 60

    /// The pcap file's bytes. Flow `i` has source 10.(i>>16).(i>>8).i and source port 1024 + (i % 50000).
    static func bytes(flows: Int, packetsPerFlow: Int = 1, startSecond: Int = 1_700_000_000) -> [UInt8] {
        let template = PacketBuilder.ethernet(
            type: EtherType.ipv4,
            PacketBuilder.ipv4(
                src: "10.0.0.0", dst: "192.168.0.1", protocol: IPProtocol.udp,
                PacketBuilder.udp(sport: 1024, dport: 53, PacketBuilder.payload(18))))
        precondition(template.count == 60)
        let header = PcapFileWriter(linkType: .ethernet).bytes
        let packets = flows * packetsPerFlow
        var out = [UInt8](repeating: 0, count: header.count + packets * recordSize)
        out.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            header.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: header.count) }
            var offset = header.count
            var microsecond = 0
            for _ in 0..<packetsPerFlow {
                for i in 0..<flows {
                    let p = base + offset
                    let t = microsecond
                    microsecond += 1
                    p.storeBytes(of: UInt32(startSecond + t / 1_000_000).littleEndian, toByteOffset: 0, as: UInt32.self)
                    p.storeBytes(of: UInt32(t % 1_000_000).littleEndian, toByteOffset: 4, as: UInt32.self)
                    p.storeBytes(of: UInt32(60).littleEndian, toByteOffset: 8, as: UInt32.self)
                    p.storeBytes(of: UInt32(60).littleEndian, toByteOffset: 12, as: UInt32.self)
                    template.withUnsafeBytes { (p + 16).copyMemory(from: $0.baseAddress!, byteCount: 60) }
                    let f = p + 16
                    f.storeBytes(of: UInt8(truncatingIfNeeded: i >> 16), toByteOffset: 14 + 13, as: UInt8.self)
                    f.storeBytes(of: UInt8(truncatingIfNeeded: i >> 8), toByteOffset: 14 + 14, as: UInt8.self)
                    f.storeBytes(of: UInt8(truncatingIfNeeded: i), toByteOffset: 14 + 15, as: UInt8.self)
                    f.storeBytes(of: UInt16(1024 + i % 50_000).bigEndian, toByteOffset: 34, as: UInt16.self)
                    offset += recordSize
                }
            }
        }
        return out
    }

    static func write(to path: String, flows: Int, packetsPerFlow: Int = 1) throws {
        try Data(bytes(flows: flows, packetsPerFlow: packetsPerFlow)).write(to: URL(fileURLWithPath: path))
    }
}

/// Reading the CSV the tests produce.
enum CSVCheck {
    /// The lines of a CSV (CRLF separated, without the final empty one); nil when it does not end in CRLF.
    static func lines(_ data: Data) -> [Substring]? {
        let text = String(decoding: data, as: UTF8.self)
        if text.isEmpty { return [] }
        guard text.hasSuffix("\r\n") else { return nil }
        return text.dropLast(2).split(separator: "\r\n", omittingEmptySubsequences: false)
    }

    /// `gzip -dc path` (nil when gzip says the file is not valid).
    static func gunzip(_ path: String) throws -> Data? {
        let scratch = try TemporaryDirectory(prefix: "flowmeter-gunzip")
        let out = scratch.file("out")
        let child = try Child("/bin/sh", ["-c", "exec gzip -dc \"$0\" > \"$1\"", path, out])
        let exit = child.wait(timeout: 60)
        guard exit.code == 0 else { return nil }
        return FileManager.default.contents(atPath: out)
    }

    /// The number of flows an "interrupted" message says were written.
    static func flowsWritten(inInterruptMessage stderr: String) -> Int? {
        guard let range = stderr.range(of: "wrote the ") else { return nil }
        return Int(stderr[range.upperBound...].prefix { $0.isNumber })
    }
}

/// Runs a command as root and returns its exit status and output (for mount, setcap, …).
@discardableResult
func sh(_ command: String, timeout: Double = 30) throws -> (status: Int32, output: String) {
    let scratch = try TemporaryDirectory(prefix: "flowmeter-sh")
    let child = try Child("/bin/sh", ["-c", command + " > \"$0\" 2>&1", scratch.file("out")])
    let exit = child.wait(timeout: timeout)
    let output = (try? String(contentsOfFile: scratch.file("out"), encoding: .utf8)) ?? ""
    return (exit.code ?? 128 + (exit.signal ?? 0), output)
}

/// A tmpfs of `size` mounted on a fresh directory (root only), unmounted and removed by `remove()`/deinit.
final class TinyTmpfs {
    let path: String
    private let directory: TemporaryDirectory
    private var mounted = false

    /// Why tmpfs cannot be mounted here (nil when it can), probed once.
    static let unavailableReason: String? = {
        guard Flowmeter.isRoot else { return "mounting a tmpfs needs root" }
        guard let probe = try? TinyTmpfs(size: "16k") else { return "mount -t tmpfs failed" }
        probe.remove()
        return nil
    }()

    init(size: String, readOnly: Bool = false) throws {
        directory = try TemporaryDirectory(prefix: "flowmeter-tmpfs")
        path = directory.file("mnt")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let options = "size=\(size),mode=0777" + (readOnly ? ",ro" : "")
        let result = try sh("mount -t tmpfs -o \(options) flowmeter-test '\(path)'")
        guard result.status == 0 else {
            throw POSIXError(.EPERM, userInfo: [NSLocalizedDescriptionKey: "mount failed: \(result.output)"])
        }
        mounted = true
    }

    func remove() {
        if mounted {
            _ = try? sh("umount '\(path)' || umount -l '\(path)'")
            mounted = false
        }
        directory.remove()
    }

    deinit { remove() }
}

#endif

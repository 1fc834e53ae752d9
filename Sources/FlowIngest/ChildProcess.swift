import CLibc
import FlowCapture
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`: its standard output is a pipe the parent reads, or a file
/// descriptor given; its standard error goes to an unlinked temporary file, so that it never blocks and can be
/// quoted when the child fails. `wait()` reaps it and returns its status and resource usage (`wait4`), which
/// include the resources of the children it reaped itself.
public final class ChildProcess {
    /// How a child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        /// `exit status N` or `killed by signal N`, for messages.
        public var description: String {
            switch self {
            case .exited(let code): return "exit status \(code)"
            case .signaled(let signal): return "signal \(signal)"
            }
        }
    }

    /// What `wait()` returns: how the child ended and what it used (user, system CPU seconds; peak RSS in KiB).
    public struct Outcome: Sendable {
        /// How the child ended.
        public var termination: Termination
        /// User CPU seconds of the child and the children it reaped (`wait4`).
        public var userSeconds: Double
        /// System CPU seconds of the child and the children it reaped.
        public var systemSeconds: Double
        /// Peak resident set size in KiB (`ru_maxrss`).
        public var maxRSSKiB: Int
    }

    /// The child's process id.
    public let pid: pid_t
    /// The read end of the child's standard output, when `captureOutput` was set (-1 otherwise).
    public private(set) var outputDescriptor: Int32
    private let errorDescriptor: Int32
    private var reaped: Outcome?

    /// Starts `executable` (a path; see `which`) with `arguments` (argv[1…]). Standard input is /dev/null.
    /// `captureOutput`: standard output is a pipe read through `outputDescriptor`; otherwise it goes to
    /// `outputTo` (a descriptor, default /dev/null). SIGINT, SIGTERM and SIGPIPE have their default action in
    /// the child whatever the parent does with them.
    public init(executable: String, arguments: [String], captureOutput: Bool, outputTo: Int32? = nil) throws {
        var pipeFDs: [Int32] = [-1, -1]
        if captureOutput {
            guard flowmeter_pipe2(&pipeFDs, O_CLOEXEC) == 0 else {
                throw PcapError.tsharkFailed(message: "could not be started: pipe: \(Self.errnoText())", stderr: "")
            }
        }
        var template = Array("/tmp/flowmeter-stderr-XXXXXX".utf8CString)
        let errFD = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if errFD >= 0 {
            _ = fcntl(errFD, F_SETFD, FD_CLOEXEC)
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, devNull, 0)
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        } else {
            posix_spawn_file_actions_adddup2(&actions, outputTo ?? devNull, 1)
        }
        posix_spawn_file_actions_adddup2(&actions, errFD >= 0 ? errFD : devNull, 2)
        // Nothing else: a descriptor another thread opened without close-on-exec (a pipe's write end) would keep
        // that pipe open for as long as this child lives.
        flowmeter_spawn_closefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        if captureOutput { close(pipeFDs[1]) }
        guard rc == 0 else {
            if captureOutput { close(pipeFDs[0]) }
            if errFD >= 0 { close(errFD) }
            throw PcapError.tsharkFailed(
                message: "could not be started (\(executable)): \(String(cString: strerror(rc)))", stderr: "")
        }
        pid = child
        outputDescriptor = captureOutput ? pipeFDs[0] : -1
        errorDescriptor = errFD
    }

    deinit {
        if reaped == nil {
            kill(pid, SIGKILL)
            _ = try? wait()
        }
        if outputDescriptor >= 0 { close(outputDescriptor) }
        if errorDescriptor >= 0 { close(errorDescriptor) }
    }

    /// Closes our end of the child's standard output: a child still writing gets EPIPE (or SIGPIPE) instead of
    /// blocking on a full pipe forever.
    public func closeOutput() {
        if outputDescriptor >= 0 {
            close(outputDescriptor)
            outputDescriptor = -1
        }
    }

    /// Waits at most `timeout` seconds for the child to end, then kills it (SIGKILL) and reaps it.
    @discardableResult
    public func wait(timeout: Double) throws -> Outcome {
        if let reaped { return reaped }
        var waited = 0.0
        while waited < timeout {
            var info = siginfo_t()
            // WNOWAIT: look without reaping; wait() below reaps and collects the resource usage.
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0
                && info._sifields._sigchld.si_pid == pid
            {
                return try wait()
            }
            var ts = timespec(tv_sec: 0, tv_nsec: 20_000_000)
            nanosleep(&ts, nil)
            waited += 0.02
        }
        kill(pid, SIGKILL)
        return try wait()
    }

    /// Sends `signal` to the child (nothing once it was reaped).
    public func signal(_ signal: Int32) {
        if reaped == nil { kill(pid, signal) }
    }

    /// Waits for the child to end (retrying on EINTR) and reaps it; later calls return the same outcome.
    @discardableResult
    public func wait() throws -> Outcome {
        if let reaped { return reaped }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno == EINTR { continue }
            throw PcapError.tsharkFailed(message: "could not be waited for: \(Self.errnoText())", stderr: "")
        }
        let termination: Termination =
            (status & 0x7F) == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
        let outcome = Outcome(
            termination: termination,
            userSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            systemSeconds: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
            maxRSSKiB: Int(usage.ru_maxrss))
        reaped = outcome
        return outcome
    }

    /// What the child wrote on its standard error (the last 64 KiB at most).
    public var errorText: String {
        guard errorDescriptor >= 0 else { return "" }
        let size = lseek(errorDescriptor, 0, SEEK_END)
        guard size > 0 else { return "" }
        let length = Int(min(size, 65536))
        var bytes = [UInt8](repeating: 0, count: length)
        let n = bytes.withUnsafeMutableBytes {
            pread(errorDescriptor, $0.baseAddress, length, off_t(size) - off_t(length))
        }
        return String(decoding: bytes.prefix(max(0, n)), as: UTF8.self)
    }

    /// `name` if it contains a slash and is executable, else the first executable `name` on PATH; nil if none.
    public static func which(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = directory + "/" + name
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

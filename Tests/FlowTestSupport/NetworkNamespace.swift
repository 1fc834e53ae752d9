// Linux only: network namespaces, veth pairs, posix_spawn as used here.
#if os(Linux)

import CLibc
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A private network for live-capture tests: a network namespace `fm-test-<pid>-<n>` joined to the test's own
/// (root) namespace by a veth pair, both ends addressed inside one /30 of 10.128.0.0/9 that no route or address
/// of the machine overlaps.
///
///     root namespace (the test process)          namespace `name`
///     hostInterface   hostAddress/30   <──veth──> namespaceInterface   namespaceAddress/30
///
/// The test captures on `hostInterface` without leaving its namespace; traffic is sent from inside the
/// namespace (`run(_:)`, `TrafficGenerator`) to `hostAddress`. The namespace has no route but its /30 and no
/// other interface than its loopback, so nothing run in it can reach any other address. Offloads are off (GRO,
/// GSO, TSO: one packet on the wire is one captured packet), IPv6 is off on both ends and the neighbours are
/// static, so the link carries only what the test sends (no ARP, router or neighbour solicitations).
///
/// Everything is removed by `remove()` or when the object goes away; namespaces and links left behind by a test
/// process that died are removed by the next one.
public final class NetworkNamespace: @unchecked Sendable {
    /// Why namespaces cannot be used here (not root, no `ip`, `ip netns add` or veth refused), nil when they can.
    public static let unsupportedReason: String? = probe()
    /// True when the tests can create namespaces and veth pairs (root, iproute2, a kernel that allows it).
    public static var isSupported: Bool { unsupportedReason == nil }
    /// The text a skipped test shows.
    public static var skipMessage: String {
        "live capture tests need root and network namespaces: \(unsupportedReason ?? "available")"
    }

    /// The namespace's name (`fm-test-<pid>-<n>`).
    public let name: String
    /// The veth end in the test's namespace: capture here.
    public let hostInterface: String
    /// The veth end inside the namespace.
    public let namespaceInterface: String
    /// The address of `hostInterface`: the only destination of the traffic the tests send.
    public let hostAddress: String
    /// The address of `namespaceInterface`: the source of that traffic.
    public let namespaceAddress: String
    /// The prefix length of both addresses (30: the two of them and nothing else).
    public let prefixLength = 30
    /// The MAC addresses of the two ends (locally administered, `02:66:6d:…`).
    public let hostMAC: String
    public let namespaceMAC: String
    /// False when `ethtool` was missing or refused: the kernel may then merge TCP segments.
    public private(set) var offloadsDisabled = false

    private let lock = NSLock()
    private var removed = false

    /// Creates the namespace, the veth pair, the addresses and static neighbours, turns offloads and IPv6 off
    /// and brings the links up. Throws (after removing what it made) when a step fails.
    public init() throws {
        if let reason = Self.unsupportedReason { throw NetworkNamespaceError.unsupported(reason) }
        Self.removeStaleOnce()
        let pid = getpid()
        let number = Self.nextNumber()
        name = "fm-test-\(pid)-\(number)"
        hostInterface = "fm\(pid)x\(number)h"
        namespaceInterface = "fm\(pid)x\(number)n"
        let subnet = try Self.freeSubnet(seed: UInt32(truncatingIfNeeded: pid) &* 64 &+ UInt32(number))
        hostAddress = Self.text(subnet + 1)
        namespaceAddress = Self.text(subnet + 2)
        let tag = String(format: "%02x:%02x:%02x", (subnet >> 18) & 0xFF, (subnet >> 10) & 0xFF, (subnet >> 2) & 0xFF)
        hostMAC = "02:66:\(tag):01"
        namespaceMAC = "02:66:\(tag):02"
        do {
            try setUp()
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    private func setUp() throws {
        try Self.ip(["netns", "add", name])
        try Self.ip([
            "link", "add", hostInterface, "address", hostMAC, "type", "veth",
            "peer", "name", namespaceInterface, "address", namespaceMAC, "netns", name,
        ])
        // IPv6 off before the links come up: no DAD, router or MLD packets on the link.
        try? "1".write(
            toFile: "/proc/sys/net/ipv6/conf/\(hostInterface)/disable_ipv6", atomically: false, encoding: .utf8)
        _ = try? run(["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/\(namespaceInterface)/disable_ipv6"])
        try Self.ip(["addr", "add", "\(hostAddress)/\(prefixLength)", "dev", hostInterface])
        try Self.ip(["-n", name, "addr", "add", "\(namespaceAddress)/\(prefixLength)", "dev", namespaceInterface])
        if let ethtool = Subprocess.find("ethtool") {
            let features = ["gro", "off", "gso", "off", "tso", "off"]
            let host = try Subprocess.run(ethtool, ["-K", hostInterface] + features)
            let inside = try run([ethtool, "-K", namespaceInterface] + features)
            offloadsDisabled = host.status == 0 && inside.status == 0
        }
        try Self.ip(["link", "set", hostInterface, "up"])
        try Self.ip(["-n", name, "link", "set", "lo", "up"])
        try Self.ip(["-n", name, "link", "set", namespaceInterface, "up"])
        try Self.ip([
            "neigh", "replace", namespaceAddress, "lladdr", namespaceMAC, "dev", hostInterface, "nud", "permanent",
        ])
        try Self.ip([
            "-n", name, "neigh", "replace", hostAddress, "lladdr", hostMAC, "dev", namespaceInterface, "nud",
            "permanent",
        ])
    }

    /// Runs `arguments` (a program found in PATH, or a path) inside the namespace (`ip netns exec`), waiting at
    /// most `timeout` seconds (then it is killed and the result says so).
    @discardableResult
    public func run(_ arguments: [String], timeout: Double = 10) throws -> SubprocessResult {
        try Subprocess.run(try Self.ipPath(), ["netns", "exec", name] + arguments, timeout: timeout)
    }

    /// Starts `arguments` inside the namespace and returns without waiting.
    public func start(_ arguments: [String]) throws -> Subprocess {
        try Subprocess(try Self.ipPath(), ["netns", "exec", name] + arguments)
    }

    /// Sets the host end administratively up or down.
    public func setHostInterface(up: Bool) throws {
        try Self.ip(["link", "set", hostInterface, up ? "up" : "down"])
    }

    /// Removes the veth pair and the namespace (killing what still runs in it). Idempotent.
    public func remove() {
        lock.lock()
        defer { lock.unlock() }
        if removed { return }
        removed = true
        Self.destroy(namespace: name, hostInterface: hostInterface)
    }

    // MARK: - Implementation

    private static func destroy(namespace: String, hostInterface: String?) {
        guard let ip = try? ipPath() else { return }
        if let pids = try? Subprocess.run(ip, ["netns", "pids", namespace], timeout: 5) {
            for pid in pids.stdout.split(whereSeparator: \.isWhitespace).compactMap({ Int32($0) }) {
                kill(pid, SIGKILL)
            }
        }
        // Deleting one end of a veth pair deletes both at once (deleting the namespace would do it later,
        // asynchronously).
        if let hostInterface { _ = try? Subprocess.run(ip, ["link", "del", hostInterface], timeout: 5) }
        _ = try? Subprocess.run(ip, ["netns", "del", namespace], timeout: 5)
    }

    private static let counterLock = NSLock()
    nonisolated(unsafe) private static var counter = 0
    nonisolated(unsafe) private static var staleRemoved = false

    private static func nextNumber() -> Int {
        counterLock.lock()
        defer { counterLock.unlock() }
        counter += 1
        return counter - 1
    }

    /// Removes the namespaces and host links named after a test process that no longer runs.
    private static func removeStaleOnce() {
        counterLock.lock()
        let first = !staleRemoved
        staleRemoved = true
        counterLock.unlock()
        guard first, let ip = try? ipPath() else { return }
        func isDead(_ pid: Int32) -> Bool { pid != getpid() && kill(pid, 0) == -1 && errno == ESRCH }
        if let list = try? Subprocess.run(ip, ["netns", "list"], timeout: 5) {
            for line in list.stdout.split(separator: "\n") {
                let ns = String(line.split(separator: " ").first ?? "")
                let parts = ns.split(separator: "-")
                if parts.count == 4, parts[0] == "fm", parts[1] == "test", let pid = Int32(parts[2]), isDead(pid) {
                    destroy(namespace: ns, hostInterface: nil)
                }
            }
        }
        if let links = try? Subprocess.run(ip, ["-o", "link", "show"], timeout: 5) {
            for line in links.stdout.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count > 1 else { continue }
                let link = String(fields[1].split(separator: "@").first ?? "").trimmingCharacters(in: [":"])
                guard link.hasPrefix("fm"), link.hasSuffix("h"), let x = link.firstIndex(of: "x"),
                    let pid = Int32(link[link.index(link.startIndex, offsetBy: 2)..<x]), isDead(pid)
                else { continue }
                _ = try? Subprocess.run(ip, ["link", "del", link], timeout: 5)
            }
        }
    }

    private static func probe() -> String? {
        if geteuid() != 0 { return "not running as root (euid \(geteuid()))" }
        guard let ip = Subprocess.find("ip") else { return "`ip` (iproute2) is not installed" }
        let ns = "fm-probe-\(getpid())"
        do {
            defer { _ = try? Subprocess.run(ip, ["netns", "del", ns], timeout: 5) }
            let add = try Subprocess.run(ip, ["netns", "add", ns], timeout: 5)
            if add.status != 0 { return "`ip netns add` failed: \(add.stderr.trimmed)" }
            let a = "fmp\(getpid())a"
            let veth = try Subprocess.run(
                ip, ["link", "add", a, "type", "veth", "peer", "name", "fmp\(getpid())b", "netns", ns], timeout: 5)
            if veth.status != 0 { return "cannot create a veth pair: \(veth.stderr.trimmed)" }
            _ = try? Subprocess.run(ip, ["link", "del", a], timeout: 5)
            return nil
        } catch {
            return "cannot run `ip`: \(error)"
        }
    }

    private static func ipPath() throws -> String {
        guard let ip = Subprocess.find("ip") else { throw NetworkNamespaceError.unsupported("`ip` not found") }
        return ip
    }

    private static func ip(_ arguments: [String]) throws {
        let result = try Subprocess.run(try ipPath(), arguments, timeout: 10)
        if result.status != 0 {
            throw NetworkNamespaceError.commandFailed(
                command: "ip " + arguments.joined(separator: " "), message: result.stderr.trimmed)
        }
    }

    /// The network address of a /30 in 10.128.0.0/9 that overlaps no route (any table) and no address of this
    /// namespace, starting the search at `seed`.
    private static func freeSubnet(seed: UInt32) throws -> UInt32 {
        let ip = try ipPath()
        var taken: [(network: UInt32, mask: UInt32)] = []
        for arguments in [["-4", "-o", "route", "show", "table", "all"], ["-4", "-o", "addr", "show"]] {
            let out = try Subprocess.run(ip, arguments, timeout: 5).stdout
            for line in out.split(separator: "\n") {
                if line.hasPrefix("default") { continue }
                for word in line.split(separator: " ") {
                    if let prefix = parsePrefix(String(word)) {
                        taken.append(prefix)
                        break  // the first address-like word: the destination, or the interface's address
                    }
                }
            }
        }
        let blocks: UInt32 = 1 << 21  // /30 blocks in a /9
        for step in 0..<UInt32(4096) {
            let network = 0x0A80_0000 | ((seed &+ step) % blocks) << 2
            let overlaps = taken.contains { t in
                let mask = min(t.mask, 0xFFFF_FFFC)
                return t.mask != 0 && (network & mask) == (t.network & mask)
            }
            if !overlaps { return network }
        }
        throw NetworkNamespaceError.commandFailed(
            command: "choosing a subnet", message: "no free /30 in 10.128.0.0/9")
    }

    /// `a.b.c.d` or `a.b.c.d/n` as (network, mask); nil for anything else (`default` is skipped: mask 0).
    private static func parsePrefix(_ word: String) -> (network: UInt32, mask: UInt32)? {
        let parts = word.split(separator: "/")
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        let length = parts.count == 2 ? Int(parts[1]) ?? -1 : 32
        guard (0...32).contains(length) else { return nil }
        let address = octets.reduce(0) { $0 << 8 | $1 }
        let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - length)
        return (address & mask, mask)
    }

    private static func text(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
    }
}

/// Why a `NetworkNamespace` could not be made.
public enum NetworkNamespaceError: Error, CustomStringConvertible {
    case unsupported(String)
    case commandFailed(command: String, message: String)

    public var description: String {
        switch self {
        case .unsupported(let reason): return "network namespaces are not available: \(reason)"
        case .commandFailed(let command, let message): return "`\(command)` failed: \(message)"
        }
    }
}

/// What a finished subprocess left: its status, its output, and whether it was killed for taking too long.
public struct SubprocessResult: Sendable {
    /// The exit status, or 128 + the signal's number when a signal ended the process (as a shell reports it).
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
}

/// A child process whose output goes to files (no pipe to fill up), stopped after a deadline if need be.
///
/// Started with `posix_spawn`, all signals unblocked and SIGINT, SIGTERM, SIGPIPE … at their default action:
/// Foundation's `Process` passes on the signal mask of the thread that starts it, and the test runner's threads
/// block nearly every signal, so a child started that way ignores SIGINT and SIGTERM.
public final class Subprocess: @unchecked Sendable {
    /// The process id.
    public let pid: pid_t
    private let directory: TemporaryDirectory
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `executable` (a path, or a name looked up in PATH) with `arguments`; `environment` replaces the
    /// test process's environment when given.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        directory = try TemporaryDirectory(prefix: "flowmeter-subprocess")
        let path = executable.contains("/") ? executable : (Subprocess.find(executable) ?? executable)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory.file("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, directory.file("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
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
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM] {
            sigaddset(&defaults, s)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let environment = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw NetworkNamespaceError.commandFailed(
                command: ([path] + arguments).joined(separator: " "), message: String(cString: strerror(rc)))
        }
        pid = child
    }

    /// True while the process runs (reaps it when it has ended).
    public var isRunning: Bool { status(waiting: false) == nil }

    /// What the process wrote on stdout so far.
    public var standardOutput: String { (try? String(contentsOfFile: directory.file("stdout"), encoding: .utf8)) ?? "" }
    /// What the process wrote on stderr so far.
    public var standardError: String { (try? String(contentsOfFile: directory.file("stderr"), encoding: .utf8)) ?? "" }

    /// Waits until `condition` holds or `timeout` seconds pass; returns whether it held.
    public func wait(until condition: (Subprocess) -> Bool, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            usleep(5_000)
        }
        return condition(self)
    }

    /// Sends `signal` (SIGINT, SIGTERM …) to the process, if it still runs.
    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits at most `timeout` seconds for the process to end, then stops it (SIGTERM, a second later SIGKILL).
    public func finish(timeout: Double) -> SubprocessResult {
        let ended = wait(until: { !$0.isRunning }, timeout: timeout)
        if !ended {
            signal(SIGTERM)
            if !wait(until: { !$0.isRunning }, timeout: 1) { signal(SIGKILL) }
        }
        let status = self.status(waiting: true) ?? -1
        return SubprocessResult(status: status, stdout: standardOutput, stderr: standardError, timedOut: !ended)
    }

    /// The exit status once the process has ended (reaping it), nil while it runs (`waiting`: wait for the end).
    private func status(waiting: Bool) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var raw: Int32 = 0
        var rc: pid_t
        repeat { rc = waitpid(pid, &raw, waiting ? 0 : WNOHANG) } while rc < 0 && errno == EINTR
        guard rc == pid else { return rc < 0 ? -1 : nil }
        let signal = raw & 0x7F
        exitStatus = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
        return exitStatus
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = status(waiting: true)
        }
    }

    /// Runs `executable` with `arguments` to its end, waiting at most `timeout` seconds.
    public static func run(
        _ executable: String, _ arguments: [String], timeout: Double = 10, environment: [String: String]? = nil
    ) throws -> SubprocessResult {
        try Subprocess(executable, arguments, environment: environment).finish(timeout: timeout)
    }

    /// The path of `name` in PATH (and the sbin directories, which a non-login root shell may lack), nil if absent.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

#endif

#if canImport(Glibc)
import Glibc
#endif

/// A process and its descendants, read from /proc: CPU time and peak resident memory (VmHWM).
public struct ProcessTree: Sendable {
    /// The process at the top.
    public var root: pid_t

    /// The tree of `root`.
    public init(root: pid_t) { self.root = root }

    /// The root and its descendants (from /proc/PID/task/PID/children).
    public var pids: [pid_t] {
        var result: [pid_t] = []
        var queue = [root]
        while let pid = queue.popLast() {
            result.append(pid)
            let children = readText("/proc/\(pid)/task/\(pid)/children") ?? ""
            queue += children.split(separator: " ").compactMap { pid_t(String($0).trimmingSpaces) }
        }
        return result
    }

    /// The user and system CPU seconds the processes of the tree have used so far (/proc/PID/stat).
    public func cpuSeconds() -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for pid in pids {
            guard let stat = readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the command: state(0) ppid(1) … utime(11) stime(12).
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
                total += (user + system) / ticks
            }
        }
        return total
    }

    /// The sum of the peak resident memory (VmHWM, in KiB) of the processes of the tree.
    public func peakRSSKiB() -> Int {
        var total = 0
        for pid in pids {
            guard let status = readText("/proc/\(pid)/status") else { continue }
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                total += Int(line.dropFirst(6).split(separator: " ").first ?? "") ?? 0
            }
        }
        return total
    }
}

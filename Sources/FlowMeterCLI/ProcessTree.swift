#if canImport(Glibc)
import Glibc
#endif

/// A process and its descendants, read from /proc: CPU time and peak resident memory (VmHWM).
struct ProcessTree {
    var root: pid_t

    var pids: [pid_t] {
        var result: [pid_t] = []
        var queue = [root]
        while let pid = queue.popLast() {
            result.append(pid)
            let children = readText("/proc/\(pid)/task/\(pid)/children") ?? ""
            queue += children.split(separator: " ").compactMap { pid_t(String($0).trimmingSpaces) }
        }
        return result
    }

    func cpuSeconds() -> Double {
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

    func peakRSSKiB() -> Int {
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

func readText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

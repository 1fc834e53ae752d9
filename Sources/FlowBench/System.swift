// What the harness asks of the system: a monotonic clock, the load average, /proc files, whole-file writes and an
// interruptible sleep.

import FlowStreamer

#if canImport(Glibc)
import Glibc
#endif

/// Monotonic seconds.
func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The 1, 5 and 15 minute load averages ("unknown" when they cannot be read).
func loadAverage() -> String {
    var loads = [Double](repeating: 0, count: 3)
    guard getloadavg(&loads, 3) == 3 else { return "unknown" }
    return loads.map { formatNumber($0, 2) }.joined(separator: " ")
}

/// The number of online cores.
func onlineCores() -> Int { sysconf(Int32(_SC_NPROCESSORS_ONLN)) }

/// Sleeps `seconds`, returning early on SIGINT/SIGTERM (`FlowStreamer.interruptRequested`).
func sleepInterruptibly(_ seconds: Double) {
    let end = monotonicNow() + seconds
    while !interruptRequested.load(ordering: .relaxed) {
        let left = end - monotonicNow()
        if left <= 0 { return }
        var ts = timespec(tv_sec: Int(left), tv_nsec: Int((left - Double(Int(left))) * 1e9))
        _ = nanosleep(&ts, nil)
    }
}

/// The whole text of a file (of /proc), nil when it cannot be opened.
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

/// Everything a descriptor gives until its end (retrying on EINTR; `onInterrupt` is called then).
func readAll(_ fd: Int32, onInterrupt: () -> Void = {}) -> [UInt8] {
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            output += chunk[0..<n]
        } else if n < 0 && errno == EINTR {
            onInterrupt()
        } else {
            break
        }
    }
    return output
}

/// Writes `text` to `path` (created or truncated, mode 644). Throws a `BenchError` naming the file.
func writeFile(_ path: String, _ text: String) throws(BenchError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw BenchError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var text = text
    let ok = text.withUTF8 { buffer -> Bool in
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
    if !ok { throw BenchError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
}

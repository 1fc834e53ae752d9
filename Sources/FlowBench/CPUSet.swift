import FlowCapture
import FlowIngest

#if canImport(Glibc)
import Glibc
#endif

/// A set of CPU cores the measured processes are pinned to (sched_setaffinity, through taskset).
public struct CPUSet: Sendable, Equatable {
    /// The cores, ascending, each once.
    public var cores: [Int]
    /// The list as it was written (`0-1`), for the record of the settings.
    public var text: String

    /// The cores of a `--cpus` list such as `0`, `0,2` or `0-1`. Throws a `BenchError` for a malformed list, a core
    /// this machine does not have, or no core.
    public static func parse(_ text: String) throws(BenchError) -> CPUSet {
        var cores: [Int] = []
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_CONF))))
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
                .map { Int(String($0).trimmingSpaces) }
            guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, low <= high,
                low >= 0
            else { throw BenchError("--cpus must be a list of cores like 0 or 0,2 or 0-1 (got '\(text)')") }
            guard high < online else {
                throw BenchError("--cpus: core \(high) does not exist (this machine has cores 0-\(online - 1))")
            }
            cores += Array(low...high)
        }
        if cores.isEmpty { throw BenchError("--cpus names no core") }
        return CPUSet(cores: Array(Set(cores)).sorted(), text: text)
    }

    /// The cores as taskset's list: `0,1`.
    public var description: String { cores.map(String.init).joined(separator: ",") }

    /// `executable` and `arguments` wrapped in `taskset -c LIST` (util-linux), which sets the CPU affinity
    /// (sched_setaffinity) and execs the program in the same process: wait4 still measures it, and every child
    /// it starts (tshark) inherits the pinning. Throws a `BenchError` when there is no taskset.
    public func wrap(_ executable: String, _ arguments: [String]) throws(BenchError) -> (String, [String]) {
        guard let taskset = ChildProcess.which("taskset") else {
            throw BenchError("--cpus needs taskset (Debian package util-linux)")
        }
        return (taskset, ["-c", description, executable] + arguments)
    }
}

import ArgumentParser
import FlowCapture

#if canImport(Glibc)
import Glibc
#endif

/// A set of CPU cores for sched_setaffinity.
struct CPUSet {
    var cores: [Int]

    static func parse(_ text: String) throws -> CPUSet {
        var cores: [Int] = []
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_CONF))))
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int(String($0).trimmingSpaces) }
            guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, low <= high,
                low >= 0
            else { throw ValidationError("--cpus must be a list of cores like 0 or 0,2 or 0-1 (got '\(text)')") }
            guard high < online else {
                throw ValidationError("--cpus: core \(high) does not exist (this machine has cores 0-\(online - 1))")
            }
            cores += Array(low...high)
        }
        if cores.isEmpty { throw ValidationError("--cpus names no core") }
        return CPUSet(cores: Array(Set(cores)).sorted())
    }

    var description: String { cores.map(String.init).joined(separator: ",") }

    /// `executable` and `arguments` wrapped in `taskset -c LIST` (util-linux), which sets the CPU affinity
    /// (sched_setaffinity) and execs the program in the same process: wait4 still measures it, and every child
    /// it starts (tshark) inherits the pinning.
    func wrap(_ executable: String, _ arguments: [String]) throws -> (String, [String]) {
        guard let taskset = ChildProcess.which("taskset") else {
            throw ValidationError("--cpus needs taskset (Debian package util-linux)")
        }
        return (taskset, ["-c", description, executable] + arguments)
    }
}

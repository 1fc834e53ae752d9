#if canImport(Glibc)
import Glibc
#endif

/// What the measured child of `bench offline` (`flowmeter bench run-offline`) prints on its standard output: one
/// JSON line with the packets it read, the flows it wrote, and its own and its children's peak RSS, which
/// `OfflineRunner` reads back (a tshark path's memory is flowmeter's plus tshark's).
public struct BenchChildReport: Sendable, Equatable {
    /// Packets read.
    public var packets: UInt64
    /// Flows written.
    public var flows: UInt64
    /// This process's peak RSS in KiB (getrusage RUSAGE_SELF).
    public var selfPeakRSSKiB: Int
    /// The peak RSS of the largest child this process waited for, in KiB (getrusage RUSAGE_CHILDREN).
    public var childrenPeakRSSKiB: Int

    /// The report of the running process: `packets` and `flows` as given, peak RSS from getrusage now.
    public init(packets: UInt64, flows: UInt64) {
        var own = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &own)
        var children = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &children)
        self.packets = packets
        self.flows = flows
        selfPeakRSSKiB = Int(own.ru_maxrss)
        childrenPeakRSSKiB = Int(children.ru_maxrss)
    }

    /// The JSON line (without its newline).
    public var jsonLine: String {
        "{\"packets\":\(packets),\"flows\":\(flows),\"self_maxrss_kib\":\(selfPeakRSSKiB),\"children_maxrss_kib\":\(childrenPeakRSSKiB)}"
    }
}

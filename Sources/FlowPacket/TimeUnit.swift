/// The unit of packet and flow times: timestamps, durations, inter-arrival times, timeouts inside the meter
/// (`--time-unit`). Milliseconds are NFStream's (and the default); microseconds and nanoseconds keep what a capture
/// records (pcap files µs or ns, pcapng per interface), and name the columns that carry them (`_ms`, `_us`, `_ns`).
public enum TimeUnit: String, Sendable, CaseIterable, Equatable {
    case milliseconds = "ms"
    case microseconds = "us"
    case nanoseconds = "ns"

    /// Ticks of this unit in one second.
    @inlinable
    public var ticksPerSecond: UInt64 {
        switch self {
        case .milliseconds: return 1000
        case .microseconds: return 1_000_000
        case .nanoseconds: return 1_000_000_000
        }
    }

    /// Ticks of this unit in one millisecond (timeouts and scan intervals are given in ms).
    @inlinable
    public var ticksPerMillisecond: UInt64 { ticksPerSecond / 1000 }

    /// The suffix of column names in this unit: "ms", "us", "ns".
    public var suffix: String { rawValue }

    /// A capture timestamp (seconds, and nanoseconds within the second) in this unit, wrapping and unsigned as
    /// NFStream computes milliseconds (`sec*1000 + usec/1000`: the sub-unit part truncated).
    @inlinable
    public func time(seconds: Int, nanoseconds: Int) -> UInt64 {
        let s = Int64(truncatingIfNeeded: seconds)
        let n = Int64(truncatingIfNeeded: nanoseconds)
        switch self {
        case .milliseconds: return UInt64(bitPattern: s &* 1000 &+ n / 1_000_000)
        case .microseconds: return UInt64(bitPattern: s &* 1_000_000 &+ n / 1000)
        case .nanoseconds: return UInt64(bitPattern: s &* 1_000_000_000 &+ n)
        }
    }

    /// `ticks` of this unit in whole milliseconds (what nDPI and IPFIX's millisecond elements take).
    @inlinable
    public func milliseconds(_ ticks: UInt64) -> UInt64 { ticks / ticksPerMillisecond }
}

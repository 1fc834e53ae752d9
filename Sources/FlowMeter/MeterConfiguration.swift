import FlowPacket

/// Metering options, with NFStream's defaults. Timeouts are in milliseconds of packet time; the meter runs them in
/// ticks of `timeUnit` (`idleTimeoutTicks`, …).
public struct MeterConfiguration: Sendable, Equatable {
    /// A flow idle for at least this long is expired (NFStream `idle_timeout`, default 120 s).
    public var idleTimeoutMilliseconds: UInt64 = 120_000
    /// A flow older than this is expired when its next packet arrives (NFStream `active_timeout`, default 1800 s).
    public var activeTimeoutMilliseconds: UInt64 = 1_800_000
    /// 0 raw (wire) size, 1 IP size, 2 transport size, 3 payload size.
    public var accountingMode: UInt8 = 0
    /// Whether tunnels are decoded; adds the `tunnel_id` column.
    public var decodeTunnels: Bool = true
    /// TCP-aware expiry (off by default for NFStream parity): a TCP flow ends, with this packet, at a RST, or at
    /// the ACK that answers the second FIN; its `expiration_id` is 3 and the `expiration_reason` column is added.
    public var tcpTermination: Bool = false
    /// Bound on active flows (0 = none). The table is split into `FlowTable.shardCount` shards by flow hash and each
    /// shard holds at most `max(1, maxFlows / shardCount)` flows; a full shard expires its least recently active flow
    /// (expiration reason `tableFull`). Per-shard bounds keep the output independent of the number of threads.
    public var maxFlows: Int = 0
    /// Interval of the idle scan, in ms of packet time (NFStream scans every 10 ms).
    public var scanIntervalMilliseconds: UInt64 = 10
    /// The unit of packet times, hence of every time column (and of their names' suffix): NFStream's milliseconds
    /// by default, or microseconds or nanoseconds (`--time-unit`).
    public var timeUnit: TimeUnit = .milliseconds

    /// `idleTimeoutMilliseconds` in ticks of `timeUnit`.
    @inlinable public var idleTimeoutTicks: UInt64 { idleTimeoutMilliseconds &* timeUnit.ticksPerMillisecond }
    /// `activeTimeoutMilliseconds` in ticks of `timeUnit`.
    @inlinable public var activeTimeoutTicks: UInt64 { activeTimeoutMilliseconds &* timeUnit.ticksPerMillisecond }
    /// `scanIntervalMilliseconds` in ticks of `timeUnit`.
    @inlinable public var scanIntervalTicks: UInt64 { scanIntervalMilliseconds &* timeUnit.ticksPerMillisecond }

    /// NFStream's defaults: 120 s idle, 1800 s active timeout, raw sizes, tunnels decoded, no TCP termination,
    /// unbounded table, milliseconds.
    public init() {}
}

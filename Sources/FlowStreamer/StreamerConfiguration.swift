import FlowCapture
import FlowIngest
import FlowMeter

/// Everything a conversion needs besides its inputs and output.
public struct StreamerConfiguration: Sendable {
    /// The meter's options: timeouts, accounting, the feature sets, the time unit.
    public var meter = MeterConfiguration()
    /// Feature plugins, in column order (their columns follow the core columns).
    public var plugins: [any FeaturePlugin] = []
    /// A BPF expression applied to every input (nil: none).
    public var bpfFilter: String? = nil
    /// Meter threads; 1 meters on the reading thread. Output is byte-identical for every value. At most
    /// `FlowTable.shardCount` (64) are used: a shard is the unit a meter owns.
    public var threads: Int = 1
    /// The meter threads a run starts: `threads`, at most one per shard of the flow table.
    var meterThreads: Int { min(max(threads, 1), FlowTable.shardCount) }
    /// How packets reach the meter (default: libpcap's bytes decoded in place).
    public var ingest: IngestPath = .direct
    /// The tshark child of `ingest == .tshark`: executable and output format.
    public var tshark = TsharkSource.Options()
    /// Stop reading after this many packets (nil: read everything).
    public var packetLimit: UInt64? = nil
    /// Stop at the first input that cannot be read to its end (false: record it and read the next input).
    public var stopOnDamage = false
    /// One meter thread, no plugins, no filter, direct ingestion: the meter's defaults.
    public init() {}
}

import FlowMeter

/// Everything a conversion needs besides its inputs and output.
public struct StreamerConfiguration: Sendable {
    public var meter = MeterConfiguration()
    /// A BPF expression applied to every input (nil: none).
    public var bpfFilter: String? = nil
    /// Meter threads; 1 meters on the reading thread. Output is byte-identical for every value.
    public var threads: Int = 1
    public init() {}
}

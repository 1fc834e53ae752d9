import FlowMeter

/// Everything a conversion needs besides its inputs and output.
public struct StreamerConfiguration: Sendable {
    public var meter = MeterConfiguration()
    /// Feature plugins, in column order (their columns follow the core columns).
    public var plugins: [any FeaturePlugin] = []
    /// A BPF expression applied to every input (nil: none).
    public var bpfFilter: String? = nil
    /// Meter threads; 1 meters on the reading thread. Output is byte-identical for every value.
    public var threads: Int = 1
    public init() {}
}

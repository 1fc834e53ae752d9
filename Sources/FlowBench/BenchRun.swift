/// One measured run of one path (or peer tool) on one trace or scenario: one row of results.csv.
public struct BenchRun: Sendable {
    /// The trace's base name (offline) or the live scenario's name.
    public var scenario: String
    /// The path's name (`BenchPath.name`) or the peer tool's.
    public var path: String
    /// Which repetition, from 0 (written from 1).
    public var repetition: Int
    /// Wall time of the whole run (monotonic clock).
    public var wallSeconds: Double
    /// User CPU time of the measured process and the children it reaped.
    public var userSeconds: Double
    /// System CPU time of the measured process and the children it reaped.
    public var systemSeconds: Double
    /// Peak resident memory in KiB (for a path through tshark: flowmeter's plus tshark's).
    public var peakRSSKiB: Int
    /// The packets the measured process counted.
    public var packetsCounted: UInt64
    /// The packets the traffic generator sent (live), when known.
    public var packetsSent: UInt64?
    /// The flows the measured process wrote, when it said.
    public var flows: UInt64?
    /// The slice a slow path was limited to (nil: the whole trace).
    public var packetLimit: UInt64?
    /// CPU seconds attributed to the capture window (live), when measured apart from start-up.
    public var windowCPUSeconds: Double?
    /// The length of the capture window (live) in seconds, when measured apart from start-up.
    public var windowSeconds: Double?

    /// A run with the given measurements; the optional ones default to not known.
    public init(
        scenario: String, path: String, repetition: Int, wallSeconds: Double, userSeconds: Double,
        systemSeconds: Double, peakRSSKiB: Int, packetsCounted: UInt64, packetsSent: UInt64? = nil,
        flows: UInt64? = nil, packetLimit: UInt64? = nil, windowCPUSeconds: Double? = nil,
        windowSeconds: Double? = nil
    ) {
        self.scenario = scenario
        self.path = path
        self.repetition = repetition
        self.wallSeconds = wallSeconds
        self.userSeconds = userSeconds
        self.systemSeconds = systemSeconds
        self.peakRSSKiB = peakRSSKiB
        self.packetsCounted = packetsCounted
        self.packetsSent = packetsSent
        self.flows = flows
        self.packetLimit = packetLimit
        self.windowCPUSeconds = windowCPUSeconds
        self.windowSeconds = windowSeconds
    }

    /// User plus system CPU seconds.
    public var cpuSeconds: Double { userSeconds + systemSeconds }

    /// CPU % of one core: over the capture window when it was measured apart, else over the whole run.
    public var cpuPercent: Double {
        if let windowCPUSeconds, let windowSeconds, windowSeconds > 0 { return 100 * windowCPUSeconds / windowSeconds }
        return wallSeconds > 0 ? 100 * cpuSeconds / wallSeconds : 0
    }

    /// Packets counted per second of wall time.
    public var packetsPerSecond: Double { wallSeconds > 0 ? Double(packetsCounted) / wallSeconds : 0 }

    /// CPU microseconds per packet counted.
    public var cpuMicrosecondsPerPacket: Double { packetsCounted > 0 ? 1e6 * cpuSeconds / Double(packetsCounted) : 0 }

    /// The share of the packets sent that were not counted, in %, when the packets sent are known.
    public var lossPercent: Double? {
        guard let sent = packetsSent, sent > 0 else { return nil }
        // Not clamped at 0: a capture cannot see more of the filtered packets than were sent, so a negative figure
        // would be a fault of the measurement, and is shown as one.
        return 100 * (Double(sent) - Double(packetsCounted)) / Double(sent)
    }
}

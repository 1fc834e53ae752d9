/// One measured run of one path (or peer tool) on one trace or scenario.
struct BenchRun {
    var scenario: String
    var path: String
    var repetition: Int
    var wallSeconds: Double
    var userSeconds: Double
    var systemSeconds: Double
    var peakRSSKiB: Int
    var packetsCounted: UInt64
    var packetsSent: UInt64? = nil
    var flows: UInt64? = nil
    /// The slice a slow path was limited to (nil: the whole trace).
    var packetLimit: UInt64? = nil
    /// CPU seconds attributed to the capture window (live), when measured apart from start-up.
    var windowCPUSeconds: Double? = nil
    var windowSeconds: Double? = nil

    var cpuSeconds: Double { userSeconds + systemSeconds }
    var cpuPercent: Double {
        if let windowCPUSeconds, let windowSeconds, windowSeconds > 0 { return 100 * windowCPUSeconds / windowSeconds }
        return wallSeconds > 0 ? 100 * cpuSeconds / wallSeconds : 0
    }
    var packetsPerSecond: Double { wallSeconds > 0 ? Double(packetsCounted) / wallSeconds : 0 }
    var cpuMicrosecondsPerPacket: Double { packetsCounted > 0 ? 1e6 * cpuSeconds / Double(packetsCounted) : 0 }
    var lossPercent: Double? {
        guard let sent = packetsSent, sent > 0 else { return nil }
        // Not clamped at 0: a capture cannot see more of the filtered packets than were sent, so a negative figure
        // would be a fault of the measurement, and is shown as one.
        return 100 * (Double(sent) - Double(packetsCounted)) / Double(sent)
    }
}

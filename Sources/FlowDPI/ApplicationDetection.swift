import FlowMeter

/// Whether this build can detect applications, and why not.
public enum ApplicationDetection {
    /// True when flowmeter was built with the NDPI trait (the default).
    public static var isAvailable: Bool {
        #if NDPI
        return true
        #else
        return false
        #endif
    }

    /// The nDPI library version, or nil without nDPI.
    public static var libraryVersion: String? {
        #if NDPI
        return NDPIDetector.version
        #else
        return nil
        #endif
    }

    /// nDPI flow states in use in `meter`'s detection module (for tests and diagnostics); nil when no
    /// `ApplicationPlugin` runs in it.
    public static func liveFlows(in meter: borrowing Meter) -> Int? {
        #if NDPI
        return meter.plugin(ApplicationPlugin.self)?.lease?.detector.liveFlows
        #else
        return nil
        #endif
    }
}

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

    /// nDPI flow states in use in a meter's store of `ApplicationPlugin` (for tests and diagnostics); nil for other
    /// stores.
    public static func liveFlows(in store: PluginStore) -> Int? {
        #if NDPI
        return (store as? ApplicationStore)?.liveFlows
        #else
        return nil
        #endif
    }
}

import FlowDPI
import FlowFeatures
import FlowMeter
import FlowPacket
import FlowStreamer

#if canImport(Glibc)
import Glibc
#endif

/// Why `StreamerConfiguration.flowmeter(…)` could not build a configuration; the message names the option.
public enum PresetError: Error, CustomStringConvertible, Equatable {
    /// A feature set name that does not exist, or an SPLT length out of range.
    case featureSets(String)
    /// Application detection could not start (nDPI's modules).
    case detection(String)

    /// The message, as the CLI prints it.
    public var description: String {
        switch self {
        case .featureSets(let message): return message
        case .detection(let message): return "--dissections: \(message)"
        }
    }
}

extension StreamerConfiguration {
    /// Packets per flow given to nDPI when nothing else is said: 20 (NFStream's `n_dissections`) when flowmeter is
    /// built with nDPI, 0 (no detection, no application columns) when it is not.
    public static var defaultDissections: Int { ApplicationDetection.isAvailable ? 20 : 0 }

    /// Meter threads when nothing else is said: one per online core, at most one per shard of the flow table (64).
    public static var defaultThreads: Int {
        min(FlowTable.shardCount, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// The configuration `flowmeter convert` meters with: `meter` (NFStream's defaults unless changed), the
    /// feature sets in the CLI's column order — `statistics`, SPLT of the first `splt` packets, the application
    /// columns (detection on the first `dissections` packets, `defaultDissections` when nil), then the other sets
    /// named in `featureSets` (such as `cic`) — and `threads` meter threads (`defaultThreads` when nil). A streamer
    /// with it writes the same bytes as `flowmeter convert` with the same options.
    ///
    /// ```swift
    /// var configuration = try StreamerConfiguration.flowmeter(statistics: true, splt: 10)
    /// configuration.plugins.append(MyPlugin())  // its columns after flowmeter's usual ones
    /// ```
    public static func flowmeter(
        meter: MeterConfiguration = MeterConfiguration(), statistics: Bool = false, splt: Int = 0,
        featureSets: [String] = [], dissections: Int? = nil, threads: Int? = nil
    ) throws(PresetError) -> StreamerConfiguration {
        var configuration = StreamerConfiguration()
        configuration.meter = meter
        configuration.plugins = try flowmeterPlugins(
            statistics: statistics, splt: splt, featureSets: featureSets, dissections: dissections,
            timeUnit: meter.timeUnit)
        configuration.threads = threads ?? defaultThreads
        return configuration
    }

    /// The feature plugins of `flowmeter(…)`, in column order: NFStream's (statistics, SPLT, then the application
    /// columns), then flowmeter's own sets named in `featureSets`, in the order given.
    public static func flowmeterPlugins(
        statistics: Bool = false, splt: Int = 0, featureSets: [String] = [], dissections: Int? = nil,
        timeUnit: TimeUnit = .milliseconds
    ) throws(PresetError) -> [any FeaturePlugin] {
        var names = featureSets
        if statistics { names.append("statistics") }
        if splt > 0 { names.append("splt") }
        var plugins: [any FeaturePlugin]
        do {
            plugins = try BuiltinFeatures.plugins(named: names, spltLength: splt, timeUnit: timeUnit)
        } catch {
            throw .featureSets("\(error)")
        }
        let dissections = dissections ?? defaultDissections
        if dissections > 0 {
            let application: ApplicationPlugin
            do {
                application = try ApplicationPlugin(dissections: dissections, timeUnit: timeUnit)
            } catch {
                throw .detection("\(error)")
            }
            let position = plugins.lastIndex { $0.name == "statistics" || $0.name == "splt" }.map { $0 + 1 } ?? 0
            plugins.insert(application, at: position)
        }
        return plugins
    }
}

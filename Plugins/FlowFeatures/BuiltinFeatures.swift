import FlowMeter
import FlowPacket

/// The feature sets `--features` can name, in the order their columns appear.
public enum BuiltinFeatures {
    /// Names, in column order.
    public static let names = ["statistics", "splt", "cic"]

    /// One-line summaries for `flowmeter features`.
    public static let summaries: [String: String] = [
        "statistics": "NFStream's 48 statistical columns (sizes, inter-arrival times, TCP flag counts)",
        "splt": "NFStream's early-packet sequences of the first N packets (--splt N, default 10)",
        "cic":
            "CICFlowMeter's CIC-IDS2017 columns (flow identifiers and the 77 MachineLearningCVE features), with CICFlowMeter's bugs fixed; ends flows 120 s after their start and TCP flows at RST or FIN handshake (see Plugins/FlowFeatures/CIC.md)",
    ]

    /// The plugins for `names` (any order, no duplicates), arranged in column order. `spltLength` is N for "splt".
    /// `timeUnit` is the meter's (the unit of the time columns).
    public static func plugins(named requested: [String], spltLength: Int, timeUnit: TimeUnit = .milliseconds) throws
        -> [any FeaturePlugin]
    {
        for name in requested where !names.contains(name) {
            throw UnknownFeature(name: name)
        }
        var plugins: [any FeaturePlugin] = []
        for name in names where requested.contains(name) {
            switch name {
            case "statistics": plugins.append(StatisticsPlugin(timeUnit: timeUnit))
            case "splt": plugins.append(SPLTPlugin(length: spltLength > 0 ? spltLength : 10, timeUnit: timeUnit))
            case "cic": plugins.append(CICFlowMeterPlugin(timeUnit: timeUnit))
            default: break
            }
        }
        return plugins
    }

    /// An example plugin of every built-in set, for listing columns.
    public static var all: [any FeaturePlugin] {
        (try? plugins(named: names, spltLength: 10)) ?? []
    }

    /// A `--features` name that is not a built-in set.
    public struct UnknownFeature: Error, CustomStringConvertible {
        /// The name as given.
        public var name: String
        /// The message the CLI prints, listing the available sets.
        public var description: String {
            "unknown feature set '\(name)' in --features; available: \(BuiltinFeatures.names.joined(separator: ", ")) (see 'flowmeter features')"
        }
    }
}

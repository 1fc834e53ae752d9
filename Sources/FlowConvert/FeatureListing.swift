import FlowDPI
import FlowFeatures
import FlowMeter
import FlowParquet

/// What `flowmeter features` prints: the core columns, every built-in feature set and application detection, each
/// column with its type and its type in Parquet output.
public enum FeatureListing {
    /// The whole listing.
    public static var text: String {
        var text = "Core columns (always):\n"
        for column in FlowSchema(configuration: MeterConfiguration()).columns {
            text += line(column)
        }
        for plugin in BuiltinFeatures.all {
            text += "\n\(plugin.name): \(BuiltinFeatures.summaries[plugin.name] ?? "")\n"
            for column in plugin.columns {
                text += line(column)
            }
        }
        text += "\napplication: nDPI application detection, on by default (--dissections N, 0 = off)"
        if let version = ApplicationDetection.libraryVersion {
            text += "; nDPI \(version)\n"
        } else {
            text += "; UNAVAILABLE in this build (built without nDPI)\n"
        }
        for column in ApplicationPlugin.columns {
            text += line(column)
        }
        return text
    }

    /// One column: name, type, Parquet type, summary.
    static func line(_ column: FeatureColumn) -> String {
        "  \(column.name)  [\(column.type.rawValue); Parquet \(ParquetFlowWriter.typeName(of: column.type))]  \(column.summary)\n"
    }
}

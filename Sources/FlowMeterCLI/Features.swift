import ArgumentParser
import FlowDPI
import FlowFeatures
import FlowMeter
import FlowParquet

struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the feature sets --features can add, with every column they write.",
        discussion: "Each column shows its type and, after it, its type in Parquet output.")

    func run() throws {
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
        print(text, terminator: "")
    }

    func line(_ column: FeatureColumn) -> String {
        "  \(column.name)  [\(column.type.rawValue); Parquet \(ParquetFlowWriter.typeName(of: column.type))]  \(column.summary)\n"
    }
}

import ArgumentParser
import FlowDPI
import FlowFeatures
import FlowMeter

struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the feature sets --features can add, with every column they write.")

    func run() throws {
        var text = "Core columns (always):\n"
        for column in FlowSchema(configuration: MeterConfiguration()).columns {
            text += "  \(column.name)  [\(column.type.rawValue)]  \(column.summary)\n"
        }
        for plugin in BuiltinFeatures.all {
            text += "\n\(plugin.name): \(BuiltinFeatures.summaries[plugin.name] ?? "")\n"
            for column in plugin.columns {
                text += "  \(column.name)  [\(column.type.rawValue)]  \(column.summary)\n"
            }
        }
        text += "\napplication: nDPI application detection, on by default (--dissections N, 0 = off)"
        if let version = ApplicationDetection.libraryVersion {
            text += "; nDPI \(version)\n"
        } else {
            text += "; UNAVAILABLE in this build (built without nDPI)\n"
        }
        for column in ApplicationPlugin.columns {
            text += "  \(column.name)  [\(column.type.rawValue)]  \(column.summary)\n"
        }
        print(text, terminator: "")
    }
}

import ArgumentParser
import FlowCapture
import FlowStreamer

/// An ingestion path as the bench names it: `tshark` uses the default PDML, `tshark-fields` the fields output.
struct BenchPath: Hashable {
    var ingest: IngestPath
    var format: TsharkFormat

    var name: String {
        switch ingest {
        case .direct, .object: return ingest.rawValue
        case .tshark: return format == .pdml ? "tshark" : "tshark-fields"
        }
    }

    var isSlow: Bool { ingest == .tshark }

    static func parseList(_ text: String) throws -> [BenchPath] {
        var paths: [BenchPath] = []
        for word in text.split(separator: ",").map({ String($0).trimmingSpaces }) where !word.isEmpty {
            let path: BenchPath
            switch word {
            case "direct": path = BenchPath(ingest: .direct, format: .pdml)
            case "object": path = BenchPath(ingest: .object, format: .pdml)
            case "tshark", "tshark-pdml": path = BenchPath(ingest: .tshark, format: .pdml)
            case "tshark-fields": path = BenchPath(ingest: .tshark, format: .fields)
            default:
                throw ValidationError("--paths: unknown path '\(word)' (known: direct, tshark, tshark-fields, object)")
            }
            if !paths.contains(path) { paths.append(path) }
        }
        if paths.isEmpty { throw ValidationError("--paths names no path") }
        return paths
    }

    /// The arguments that select this path in `convert`, `live` and the bench child.
    var arguments: [String] {
        ingest == .tshark ? ["--ingest", "tshark", "--tshark-format", format.rawValue] : ["--ingest", ingest.rawValue]
    }
}

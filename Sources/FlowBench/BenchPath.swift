import FlowCapture
import FlowIngest
import FlowStreamer

/// An ingestion path as the bench names it: `tshark` uses the default PDML, `tshark-fields` the fields output.
public struct BenchPath: Hashable, Sendable {
    /// How packets reach the meter.
    public var ingest: IngestPath
    /// tshark's output format (used by the tshark path only).
    public var format: TsharkFormat

    /// A path through `ingest`, with tshark printing `format`.
    public init(ingest: IngestPath, format: TsharkFormat) {
        self.ingest = ingest
        self.format = format
    }

    /// The name in tables, files and `--paths`: direct, tshark, tshark-fields or object.
    public var name: String {
        switch ingest {
        case .direct, .object: return ingest.rawValue
        case .tshark: return format == .pdml ? "tshark" : "tshark-fields"
        }
    }

    /// Whether the path is slow enough that the offline bench reads only the first packets of a trace.
    public var isSlow: Bool { ingest == .tshark }

    /// The paths of a `--paths` value (comma separated, duplicates dropped, in the order given). Throws a
    /// `BenchError` naming an unknown path, or when the list names none.
    public static func parseList(_ text: String) throws(BenchError) -> [BenchPath] {
        var paths: [BenchPath] = []
        for word in text.split(separator: ",").map({ String($0).trimmingSpaces }) where !word.isEmpty {
            let path: BenchPath
            switch word {
            case "direct": path = BenchPath(ingest: .direct, format: .pdml)
            case "object": path = BenchPath(ingest: .object, format: .pdml)
            case "tshark", "tshark-pdml": path = BenchPath(ingest: .tshark, format: .pdml)
            case "tshark-fields": path = BenchPath(ingest: .tshark, format: .fields)
            default:
                throw BenchError("--paths: unknown path '\(word)' (known: direct, tshark, tshark-fields, object)")
            }
            if !paths.contains(path) { paths.append(path) }
        }
        if paths.isEmpty { throw BenchError("--paths names no path") }
        return paths
    }

    /// The arguments that select this path in `convert`, `live` and the bench child.
    public var arguments: [String] {
        ingest == .tshark ? ["--ingest", "tshark", "--tshark-format", format.rawValue] : ["--ingest", ingest.rawValue]
    }
}

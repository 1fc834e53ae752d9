import FlowWriters

/// A JSON value whose objects keep their keys in the order given, rendered the same way every time: the manifest
/// of two runs with the same inputs and options differs only in its times.
public indirect enum ManifestJSON: Equatable, Sendable {
    case object([(String, ManifestJSON)])
    case array([ManifestJSON])
    case string(String)
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    case bool(Bool)
    case null

    /// Equal when rendered the same.
    public static func == (a: ManifestJSON, b: ManifestJSON) -> Bool { a.compact == b.compact }

    /// `value` as a string, or null.
    public static func text(_ value: String?) -> ManifestJSON { value.map { .string($0) } ?? .null }

    /// One line, keys in order, `", "` and `": "` between items.
    public var compact: String {
        switch self {
        case .object(let members):
            return "{" + members.map { "\"\(JSONText.escaped($0.0))\": \($0.1.compact)" }.joined(separator: ", ") + "}"
        case .array(let values):
            return "[" + values.map(\.compact).joined(separator: ", ") + "]"
        case .string(let text): return "\"\(JSONText.escaped(text))\""
        case .integer(let value): return String(value)
        case .unsigned(let value): return String(value)
        case .double(let value): return value.isFinite ? "\(value)" : "null"
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        }
    }

    /// The document: the top object one member per line, an array of objects (the inputs, the outputs) one
    /// element per line, everything else on one line; a final newline.
    public var document: String {
        guard case .object(let members) = self else { return compact + "\n" }
        var lines: [String] = []
        for (i, (key, value)) in members.enumerated() {
            let comma = i + 1 < members.count ? "," : ""
            if case .array(let values) = value, !values.isEmpty {
                lines.append("  \"\(JSONText.escaped(key))\": [")
                for (j, element) in values.enumerated() {
                    lines.append("    " + element.compact + (j + 1 < values.count ? "," : ""))
                }
                lines.append("  ]" + comma)
            } else {
                lines.append("  \"\(JSONText.escaped(key))\": \(value.compact)" + comma)
            }
        }
        return "{\n" + lines.joined(separator: "\n") + "\n}\n"
    }
}

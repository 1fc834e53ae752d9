/// Text inside JSON strings (RFC 8259 §7): the quote, the backslash and the control characters escaped, everything
/// else as it is. For the JSON that flowmeter writes by hand (manifests, bench results, provenance metadata).
public enum JSONText {
    /// `text` escaped for the inside of a JSON string (no quotes around it).
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `text` as a JSON string, quotes included.
    public static func quoted(_ text: String) -> String { "\"" + escaped(text) + "\"" }
}

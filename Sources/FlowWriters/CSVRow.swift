import FlowMeter
import FlowPacket

/// Builds CSV text in Python's csv-module style (NFStream 6.6.0): comma separated, CRLF line ends,
/// fields quoted only when they contain `,`, `"`, CR or LF, with `"` doubled.
public struct CSVRow: FlowFieldSink {
    public var bytes: [UInt8]
    @usableFromInline var fieldsInRow = 0

    public init(capacity: Int = 1 << 16) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable
    mutating func separator() {
        if fieldsInRow > 0 { bytes.append(UInt8(ascii: ",")) }
        fieldsInRow += 1
    }

    public mutating func endRow() {
        bytes.append(13)
        bytes.append(10)
        fieldsInRow = 0
    }

    public mutating func appendUnsigned(_ value: UInt64) {
        separator()
        PythonFloatFormat.appendUnsigned(value, to: &bytes)
    }

    public mutating func appendSigned(_ value: Int64) {
        separator()
        PythonFloatFormat.appendInteger(value, to: &bytes)
    }

    public mutating func appendDouble(_ value: Double) {
        separator()
        PythonFloatFormat.append(value, to: &bytes)
    }

    public mutating func appendAddress(_ address: IPAddress) {
        separator()
        address.write(into: &bytes)
    }

    public mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) {
        separator()
        mac.write(into: &bytes, ouiOnly: ouiOnly)
    }

    public mutating func appendText(_ text: String) {
        separator()
        var needsQuotes = false
        for c in text.utf8 where c == UInt8(ascii: ",") || c == UInt8(ascii: "\"") || c == 13 || c == 10 {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            bytes.append(contentsOf: text.utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for c in text.utf8 {
            if c == UInt8(ascii: "\"") { bytes.append(c) }
            bytes.append(c)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func appendList<S: Sequence>(_ values: S) where S.Element: BinaryInteger {
        separator()
        // A Python list's text always contains ", " (or is "[]"/"[x]"); quote when it has a comma.
        let start = bytes.count
        bytes.append(UInt8(ascii: "["))
        var first = true
        for v in values {
            if !first {
                bytes.append(UInt8(ascii: ","))
                bytes.append(UInt8(ascii: " "))
            }
            first = false
            PythonFloatFormat.appendInteger(Int64(v), to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
        if bytes[start...].contains(UInt8(ascii: ",")) {
            bytes.insert(UInt8(ascii: "\""), at: start)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// Appends a header line.
    public mutating func appendHeader(_ names: [String]) {
        for name in names { appendText(name) }
        endRow()
    }
}

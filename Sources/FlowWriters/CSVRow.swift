import FlowMeter
import FlowPacket

/// Builds CSV text in Python's csv-module style (NFStream 6.6.0): comma separated, CRLF line ends,
/// fields quoted only when they contain `,`, `"`, CR or LF, with `"` doubled.
public struct CSVRow: FlowFieldSink {
    /// The CSV text written so far; the writer flushes and clears it.
    public var buffer: RawByteBuffer
    @usableFromInline var fieldsInRow = 0

    /// An empty row builder whose buffer starts at `capacity` bytes.
    public init(capacity: Int = 1 << 16) {
        buffer = RawByteBuffer(capacity: capacity)
    }

    /// A copy of the text written so far (for tests).
    public var bytes: [UInt8] { Array(buffer.bytes) }

    @inlinable @inline(__always)
    mutating func separator() {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: ",")) }
        fieldsInRow &+= 1
    }

    /// The separator into room made by `buffer.reserve`.
    @inlinable @inline(__always)
    mutating func reservedSeparator() {
        if fieldsInRow > 0 { buffer.appendReserved(UInt8(ascii: ",")) }
        fieldsInRow &+= 1
    }

    /// Ends the line with CRLF, as Python's csv module does; the next value starts a new row.
    public mutating func endRow() {
        buffer.append(13)
        buffer.append(10)
        fieldsInRow = 0
    }

    /// An unsigned integer in decimal.
    @inlinable
    public mutating func appendUnsigned(_ value: UInt64) {
        buffer.reserve(21)  // separator and 20 digits
        reservedSeparator()
        buffer.appendDecimalReserved(value)
    }

    /// A signed integer in decimal.
    @inlinable
    public mutating func appendSigned(_ value: Int64) {
        buffer.reserve(21)  // separator, sign and 19 digits
        reservedSeparator()
        if value < 0 { buffer.appendReserved(UInt8(ascii: "-")) }
        buffer.appendDecimalReserved(value.magnitude)
    }

    /// A double as Python's `repr(float)` writes it (`0.5`, `1e-05`, `nan`).
    @inlinable
    public mutating func appendDouble(_ value: Double) {
        separator()
        buffer.appendPythonFloat(value)
    }

    /// An address as `inet_ntop` writes it (IPv4 dotted decimal on a fast path).
    @inlinable
    public mutating func appendAddress(_ address: IPAddress) {
        separator()
        if address.version == 4 {
            buffer.appendIPv4(UInt32(truncatingIfNeeded: address.low))
        } else {
            address.write(into: &buffer)
        }
    }

    /// A MAC as `xx:xx:xx:xx:xx:xx`, or with `ouiOnly` its first three bytes `xx:xx:xx`.
    @inlinable
    public mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) {
        separator()
        buffer.appendMAC(mac.value, bytes: ouiOnly ? 3 : 6)
    }

    /// A text field, quoted as `appendUTF8` decides.
    public mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { appendUTF8(UnsafeRawBufferPointer($0)) }
    }

    /// A text field of UTF-8 bytes, quoted (with `"` doubled) only when it holds `,`, `"`, CR or LF.
    public mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer) {
        separator()
        var needsQuotes = false
        for c in utf8 where c == UInt8(ascii: ",") || c == UInt8(ascii: "\"") || c == 13 || c == 10 {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            buffer.append(contentsOf: utf8)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for c in utf8 {
            if c == UInt8(ascii: "\"") { buffer.append(c) }
            buffer.append(c)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// A list as Python prints it, `[1, -1, 2]`, in quotes when it has more than one element (it then holds commas).
    @inlinable
    public mutating func appendList<Values: Collection>(_ values: Values)
    where Values.Element: FixedWidthInteger & SignedInteger {
        // Python's list text: "[a, b, c]"; quoted in CSV because of its commas (a 0- or 1-element list is not).
        // One capacity check: the separator, quotes and brackets, then at most 23 bytes per element (", ", a sign,
        // the 20 digits of a UInt64).
        let n = values.count
        buffer.reserve(5 &+ 23 &* n)
        reservedSeparator()
        let quoted = n > 1
        if quoted { buffer.appendReserved(UInt8(ascii: "\"")) }
        buffer.appendReserved(UInt8(ascii: "["))
        var first = true
        for v in values {
            if !first {
                buffer.appendReserved(UInt8(ascii: ","))
                buffer.appendReserved(UInt8(ascii: " "))
            }
            first = false
            if v < 0 { buffer.appendReserved(UInt8(ascii: "-")) }
            buffer.appendDecimalReserved(UInt64(v.magnitude))
        }
        buffer.appendReserved(UInt8(ascii: "]"))
        if quoted { buffer.appendReserved(UInt8(ascii: "\"")) }
    }

    /// Appends a header line.
    public mutating func appendHeader(_ names: [String]) {
        for name in names { appendText(name) }
        endRow()
    }
}

import FlowMeter
import FlowPacket
import FlowWriters

/// Encodes a row's values, in column order, straight into a data record. The template (IPv4 or IPv6) is chosen
/// when the `src_ip` value arrives; the columns before it are the same in both.
struct IPFIXRowSink: FlowFieldSink {
    var record: IPFIXRecordEncoder
    let codes4: UnsafeBufferPointer<FieldCode>
    let codes6: UnsafeBufferPointer<FieldCode>
    let sourceColumn: Int
    let endColumn: Int
    var column = 0
    var v6 = false
    var endTime: UInt64 = 0

    @inline(__always)
    mutating func next() -> FieldCode? {
        let c = column
        column &+= 1
        let codes = v6 ? codes6 : codes4
        return c < codes.count ? codes[c] : nil
    }

    /// Zero bytes for a value whose kind its column does not take (or an empty variable-length field).
    mutating func empty(_ code: FieldCode) {
        if code.width == 0 { record.variableLength(0) } else { record.unsigned(0, width: code.width) }
    }

    mutating func integer(_ bits: UInt64, asDouble: Double) {
        if column == endColumn { endTime = bits }
        guard let code = next() else { return }
        switch code.kind {
        case .integer: record.unsigned(bits, width: code.width)
        case .float: record.unsigned(asDouble.bitPattern, width: 8)
        default: empty(code)
        }
    }

    mutating func appendUnsigned(_ value: UInt64) { integer(value, asDouble: Double(value)) }
    mutating func appendSigned(_ value: Int64) { integer(UInt64(bitPattern: value), asDouble: Double(value)) }

    mutating func appendDouble(_ value: Double) {
        guard let code = next() else { return }
        switch code.kind {
        case .float: record.unsigned(value.bitPattern, width: 8)
        case .integer:
            record.unsigned(UInt64(bitPattern: Int64(exactly: value.rounded(.towardZero)) ?? 0), width: code.width)
        default: empty(code)
        }
    }

    mutating func appendAddress(_ address: IPAddress) {
        if column == sourceColumn { v6 = address.version == 6 }
        guard let code = next() else { return }
        switch code.kind {
        case .ipv4: record.unsigned(address.low, width: 4)
        case .ipv6:
            record.unsigned(address.high, width: 8)
            record.unsigned(address.low, width: 8)
        case .string: record.shortString { address.write(into: &$0) }
        default: empty(code)
        }
    }

    mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) {
        guard let code = next() else { return }
        switch code.kind {
        case .mac: record.unsigned(mac.value, width: 6)
        case .string: record.shortString { mac.write(into: &$0, ouiOnly: ouiOnly) }
        default: empty(code)
        }
    }

    mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { appendUTF8(UnsafeRawBufferPointer($0)) }
    }

    mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer) {
        guard let code = next() else { return }
        if code.kind == .string { record.string(utf8) } else { empty(code) }
    }

    mutating func appendList<Values: Collection>(_ values: Values)
    where Values.Element: FixedWidthInteger & SignedInteger {
        guard let code = next() else { return }
        guard code.kind == .basicList else { return empty(code) }
        record.basicList(values, elementID: code.listElement, enterprise: code.enterprise)
    }
}

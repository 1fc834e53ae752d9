import FlowWriters

/// Encodes field values into a data record (RFC 7011 §6: network byte order, variable-length fields with a one-
/// or three-byte length), in a reused byte buffer: the one encoder of flow records and type records.
public struct IPFIXRecordEncoder {
    /// The encoded fields of the record.
    public var buffer = RawByteBuffer(capacity: 4096)

    /// An empty encoder with a 4 KiB buffer.
    public init() {}

    /// A copy of the record (for tests).
    public var bytes: [UInt8] { Array(buffer.bytes) }

    /// Forgets the record, keeping the memory.
    public mutating func reset() { buffer.removeAll() }

    /// The low `width` bytes (1…8) of `value`, big-endian.
    @inline(__always)
    public mutating func unsigned(_ value: UInt64, width: Int) {
        var v = value.bigEndian
        withUnsafeBytes(of: &v) { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[(8 - width)...])) }
    }

    /// A variable-length field's length: one byte below 255, else 255 and two bytes (RFC 7011 §7).
    public mutating func variableLength(_ n: Int) {
        if n < 255 {
            buffer.append(UInt8(n))
        } else {
            buffer.append(255)
            unsigned(UInt64(n), width: 2)
        }
    }

    /// A variable-length string field: the length and the bytes, cut at 65,535.
    public mutating func string(_ utf8: UnsafeRawBufferPointer) {
        let n = min(utf8.count, 65535)
        variableLength(n)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[..<n]))
    }

    /// A short text (under 255 bytes, e.g. an address or a MAC) that `write` formats straight into the record.
    public mutating func shortString(_ write: (inout RawByteBuffer) -> Void) {
        let lengthAt = buffer.count
        buffer.append(0)
        write(&buffer)
        buffer.setByte(UInt8(buffer.count - lengthAt - 1), at: lengthAt)
    }

    /// An RFC 6313 basicList of signed64 `element`s (semantic "ordered").
    public mutating func basicList<Values: Collection>(_ values: Values, element: IPFIXElement)
    where Values.Element == Int64 {
        basicList(
            values, elementID: element.enterprise == nil ? element.id : 0x8000 | element.id,
            enterprise: element.enterprise ?? 0)
    }

    /// A basicList whose element is `elementID` (the enterprise bit set when `enterprise` applies).
    mutating func basicList<Values: Collection>(_ values: Values, elementID: UInt16, enterprise: UInt32)
    where Values.Element: FixedWidthInteger {
        let hasEnterprise = elementID & 0x8000 != 0
        variableLength((hasEnterprise ? 9 : 5) + 8 * values.count)
        buffer.append(4)  // semantic: ordered
        unsigned(UInt64(elementID), width: 2)
        unsigned(8, width: 2)  // element length
        if hasEnterprise { unsigned(UInt64(enterprise), width: 4) }
        for v in values { unsigned(UInt64(bitPattern: Int64(truncatingIfNeeded: v)), width: 8) }
    }
}

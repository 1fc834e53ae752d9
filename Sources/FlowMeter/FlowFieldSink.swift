import FlowPacket

/// Where a row's values go, in schema order: the CSV formatter, the typed record a meter hands to the output stage
/// (``FlowRecordBuffer``), or a sink of your own.
public protocol FlowFieldSink {
    mutating func appendUnsigned(_ value: UInt64)
    mutating func appendSigned(_ value: Int64)
    mutating func appendDouble(_ value: Double)
    mutating func appendAddress(_ address: IPAddress)
    mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool)
    mutating func appendText(_ text: String)
    /// Text given as UTF-8 bytes, valid only during the call (default: `appendText` with a `String` made of them).
    mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer)
    /// A list of integers (SPLT and the like), written as Python prints a list: `[1, 2, -1]`. The array forms are
    /// what plugins call (default: the generic form); the generic form takes any collection, e.g. a list read back
    /// from a ``FlowRecord``.
    mutating func appendList(_ values: [Int8])
    mutating func appendList(_ values: [Int32])
    mutating func appendList(_ values: [Int64])
    mutating func appendList<Values: Collection>(_ values: Values)
    where Values.Element: FixedWidthInteger & SignedInteger
}

extension FlowFieldSink {
    /// Default: `appendText` with a `String` decoded from the bytes (invalid UTF-8 repaired).
    public mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer) {
        appendText(String(decoding: utf8, as: UTF8.self))
    }
    // Inlinable, so a conforming sink gets them specialised for its own generic `appendList`.
    /// Default: the generic `appendList` over the array's buffer.
    @inlinable public mutating func appendList(_ values: [Int8]) { values.withUnsafeBufferPointer { appendList($0) } }
    /// Default: the generic `appendList` over the array's buffer.
    @inlinable public mutating func appendList(_ values: [Int32]) { values.withUnsafeBufferPointer { appendList($0) } }
    /// Default: the generic `appendList` over the array's buffer.
    @inlinable public mutating func appendList(_ values: [Int64]) { values.withUnsafeBufferPointer { appendList($0) } }
}

import FlowPacket

/// One flow's values in schema order (every column but `id`), as a meter encoded them: typed, compact, and
/// without references, so records cross threads in a plain byte arena (``FlowRecordBuffer``) with no allocation
/// per flow. A writer reads them back with ``replay(into:)``, which makes exactly the ``FlowFieldSink`` calls the
/// meter made, or walks them with ``forEachValue(_:)``.
///
/// A record borrows its bytes: it is valid only while the buffer it came from is neither changed nor freed (for a
/// writer: during the `write` call).
///
/// Layout (native byte order, never leaves the process): a 4-byte total length and a 4-byte value count, then per
/// value a kind byte and its payload: 8 bytes for integers, doubles (bit pattern) and MACs; for addresses a version
/// byte and 16 bytes; for text a 4-byte length and the UTF-8 bytes; for lists a 4-byte count and 8 bytes per element.
public struct FlowRecord {
    /// The record's bytes, header included.
    public let bytes: UnsafeRawBufferPointer

    /// A record over `bytes`, which must hold exactly one record written by ``FlowRecordBuffer``.
    @inlinable
    public init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Size of the header before the first value.
    public static let headerSize = 8

    /// How many values the record holds (the schema's columns less `id`).
    @inlinable
    public var valueCount: Int {
        Int(bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
    }

    /// Makes, value by value, the calls that wrote this record into `sink` (text as `appendUTF8`, lists through the
    /// generic `appendList`).
    @inlinable
    public func replay<Sink: FlowFieldSink>(into sink: inout Sink) {
        guard let base = bytes.baseAddress else { return }
        var offset = Self.headerSize
        let end = bytes.count
        while offset < end {
            let kind = FlowValueKind(rawValue: base.load(fromByteOffset: offset, as: UInt8.self))
            offset &+= 1
            switch kind {
            case .unsigned:
                sink.appendUnsigned(base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset &+= 8
            case .signed:
                sink.appendSigned(base.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                offset &+= 8
            case .double:
                sink.appendDouble(Double(bitPattern: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                offset &+= 8
            case .address:
                let version = base.load(fromByteOffset: offset, as: UInt8.self)
                let high = base.loadUnaligned(fromByteOffset: offset &+ 1, as: UInt64.self)
                let low = base.loadUnaligned(fromByteOffset: offset &+ 9, as: UInt64.self)
                sink.appendAddress(IPAddress(high: high, low: low, version: version))
                offset &+= 17
            case .mac:
                sink.appendMAC(MACAddress(base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)), ouiOnly: false)
                offset &+= 8
            case .oui:
                sink.appendMAC(MACAddress(base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)), ouiOnly: true)
                offset &+= 8
            case .text:
                let n = Int(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                sink.appendUTF8(UnsafeRawBufferPointer(start: base + (offset &+ 4), count: n))
                offset &+= 4 &+ n
            case .list:
                let n = Int(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                sink.appendList(FlowRecordIntegers(base: base + (offset &+ 4), count: n))
                offset &+= 4 &+ 8 &* n
            case nil:
                preconditionFailure("corrupt flow record: unknown value kind at offset \(offset - 1)")
            }
        }
    }

    /// One decoded value; text and lists borrow the record's bytes.
    public enum Value {
        case unsigned(UInt64)
        case signed(Int64)
        case double(Double)
        case address(IPAddress)
        case mac(MACAddress)
        case oui(MACAddress)
        case text(UnsafeRawBufferPointer)
        case list(FlowRecordIntegers)
    }

    /// Calls `body` with every value in order.
    @inlinable
    public func forEachValue(_ body: (Value) -> Void) {
        withoutActuallyEscaping(body) { body in
            var sink = ValueSink(body: body)
            replay(into: &sink)
        }
    }

    /// Turns the sink calls of ``replay(into:)`` into ``Value``s.
    @usableFromInline
    struct ValueSink: FlowFieldSink {
        @usableFromInline let body: (Value) -> Void
        @inlinable init(body: @escaping (Value) -> Void) { self.body = body }
        @inlinable mutating func appendUnsigned(_ value: UInt64) { body(.unsigned(value)) }
        @inlinable mutating func appendSigned(_ value: Int64) { body(.signed(value)) }
        @inlinable mutating func appendDouble(_ value: Double) { body(.double(value)) }
        @inlinable mutating func appendAddress(_ address: IPAddress) { body(.address(address)) }
        @inlinable mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) { body(ouiOnly ? .oui(mac) : .mac(mac)) }
        @inlinable mutating func appendText(_ text: String) {
            var text = text
            text.withUTF8 { body(.text(UnsafeRawBufferPointer($0))) }
        }
        @inlinable mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer) { body(.text(utf8)) }
        @inlinable mutating func appendList<Values: Collection>(_ values: Values)
        where Values.Element: FixedWidthInteger & SignedInteger {
            // `replay` gives lists only as the record's own integers.
            guard let integers = values as? FlowRecordIntegers else {
                preconditionFailure("a flow record's list is replayed as FlowRecordIntegers")
            }
            body(.list(integers))
        }
    }
}

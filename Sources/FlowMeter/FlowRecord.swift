import FlowPacket

/// The kind of one value in a ``FlowRecord``: the ``FlowFieldSink`` call that wrote it.
public enum FlowValueKind: UInt8, Sendable {
    case unsigned = 1
    case signed = 2
    case double = 3
    case address = 4
    /// A whole MAC address (`appendMAC(_:ouiOnly: false)`).
    case mac = 5
    /// The first three bytes of a MAC address (`appendMAC(_:ouiOnly: true)`).
    case oui = 6
    case text = 7
    /// A list of integers (any signed width; stored as 64-bit values).
    case list = 8
}

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

/// The integers of a list value in a ``FlowRecord`` (borrowed from the record).
public struct FlowRecordIntegers: RandomAccessCollection {
    @usableFromInline let base: UnsafeRawPointer
    /// Number of integers in the list.
    public let count: Int

    @inlinable
    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    /// Always 0.
    @inlinable public var startIndex: Int { 0 }
    /// `count`.
    @inlinable public var endIndex: Int { count }

    /// The integer at `position` (traps when out of range).
    @inlinable
    public subscript(position: Int) -> Int64 {
        precondition(position >= 0 && position < count, "list index out of range")
        return base.loadUnaligned(fromByteOffset: position &* 8, as: Int64.self)
    }
}

/// One row leaving the output stage: the `id` the stage gave it, and the flow's other values.
public struct FlowRow {
    /// The flow's number in output order, from 0 (the schema's first column).
    public var id: UInt64
    /// Every other column, in schema order.
    public var record: FlowRecord

    /// A row numbered `id` with the values of `record`.
    @inlinable
    public init(id: UInt64, record: FlowRecord) {
        self.id = id
        self.record = record
    }

    /// Every column in schema order, `id` first: `appendUnsigned(id)` and the record's calls.
    @inlinable
    public func replay<Sink: FlowFieldSink>(into sink: inout Sink) {
        sink.appendUnsigned(id)
        record.replay(into: &sink)
    }
}

/// Memory of a ``FlowRecordBuffer``, freed with its last owner.
@usableFromInline
final class FlowRecordStorage {
    @usableFromInline var base: UnsafeMutableRawPointer
    init(capacity: Int) { base = .allocate(byteCount: capacity, alignment: 16) }
    deinit { base.deallocate() }
}

/// An arena of encoded ``FlowRecord``s, written through the ``FlowFieldSink`` calls of `Flow.writeColumns` and the
/// plugins. It grows geometrically and keeps its memory when cleared, so a reused buffer allocates nothing in
/// steady state. A value must not be copied and appended to twice (the copies share memory).
public struct FlowRecordBuffer: FlowFieldSink {
    @usableFromInline let storage: FlowRecordStorage
    @usableFromInline var base: UnsafeMutableRawPointer
    @usableFromInline var capacity: Int
    @usableFromInline var used = 0
    /// Bytes used.
    @inlinable public var count: Int { used }
    /// Bytes the buffer can hold before it grows.
    public var bytesReserved: Int { capacity }
    /// Start of the record being written, or -1.
    @usableFromInline var recordStart = -1
    @usableFromInline var values: UInt32 = 0

    /// An empty buffer of `capacity` bytes (at least 256); it doubles when a record does not fit.
    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 256)
        storage = FlowRecordStorage(capacity: self.capacity)
        base = storage.base
    }

    /// Forgets every record, keeping the memory.
    public mutating func removeAll() {
        used = 0
        recordStart = -1
    }

    /// Starts a record: the values appended until ``endRecord()`` belong to it.
    @inlinable
    public mutating func beginRecord() {
        precondition(recordStart < 0, "beginRecord() inside a record")
        reserve(FlowRecord.headerSize)
        recordStart = used
        used &+= FlowRecord.headerSize
        values = 0
    }

    /// Ends the record started by ``beginRecord()``; returns its byte range in ``bytes``.
    @inlinable @discardableResult
    public mutating func endRecord() -> Range<Int> {
        precondition(recordStart >= 0, "endRecord() without beginRecord()")
        let start = recordStart
        base.storeBytes(of: UInt32(truncatingIfNeeded: used &- start), toByteOffset: start, as: UInt32.self)
        base.storeBytes(of: values, toByteOffset: start &+ 4, as: UInt32.self)
        recordStart = -1
        return start..<used
    }

    /// Every byte written so far.
    @inlinable
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: used) }

    /// The record at `range` (a range ``endRecord()`` returned).
    @inlinable
    public func record(at range: Range<Int>) -> FlowRecord {
        FlowRecord(bytes: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    /// The record starting at byte `offset`, and the offset after it (records are stored back to back).
    @inlinable
    public func record(startingAt offset: Int) -> (FlowRecord, next: Int) {
        let length = Int(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        return (FlowRecord(bytes: UnsafeRawBufferPointer(start: base + offset, count: length)), offset + length)
    }

    @inlinable @inline(__always)
    mutating func reserve(_ n: Int) {
        if used &+ n > capacity { grow(minimum: used &+ n) }
    }

    @usableFromInline
    mutating func grow(minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        grown.copyMemory(from: base, byteCount: used)
        base.deallocate()
        base = grown
        storage.base = grown
        capacity = newCapacity
    }

    @inlinable @inline(__always)
    mutating func appendWord(_ kind: FlowValueKind, _ word: UInt64) {
        reserve(9)
        base.storeBytes(of: kind.rawValue, toByteOffset: used, as: UInt8.self)
        base.storeBytes(of: word, toByteOffset: used &+ 1, as: UInt64.self)
        used &+= 9
        values &+= 1
    }

    /// Stores a `.unsigned` value (kind byte and 8 bytes).
    @inlinable @inline(__always)
    public mutating func appendUnsigned(_ value: UInt64) { appendWord(.unsigned, value) }

    /// Stores a `.signed` value (kind byte and 8 bytes).
    @inlinable @inline(__always)
    public mutating func appendSigned(_ value: Int64) { appendWord(.signed, UInt64(bitPattern: value)) }

    /// Stores a `.double` value as its bit pattern (kind byte and 8 bytes).
    @inlinable
    public mutating func appendDouble(_ value: Double) { appendWord(.double, value.bitPattern) }

    /// Stores a `.mac`, or with `ouiOnly` an `.oui` value (the whole MAC either way: the writer prints the OUI).
    @inlinable
    public mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) {
        appendWord(ouiOnly ? .oui : .mac, mac.value)
    }

    /// Stores an `.address` value: kind byte, version byte and both 64-bit halves.
    @inlinable
    public mutating func appendAddress(_ address: IPAddress) {
        reserve(18)
        base.storeBytes(of: FlowValueKind.address.rawValue, toByteOffset: used, as: UInt8.self)
        base.storeBytes(of: address.version, toByteOffset: used &+ 1, as: UInt8.self)
        base.storeBytes(of: address.high, toByteOffset: used &+ 2, as: UInt64.self)
        base.storeBytes(of: address.low, toByteOffset: used &+ 10, as: UInt64.self)
        used &+= 18
        values &+= 1
    }

    /// Stores a `.text` value: the string's UTF-8 bytes, as `appendUTF8` does.
    public mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { appendUTF8(UnsafeRawBufferPointer($0)) }
    }

    /// Stores a `.text` value: kind byte, 4-byte length and a copy of the bytes.
    public mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer) {
        let n = utf8.count
        reserve(5 &+ n)
        base.storeBytes(of: FlowValueKind.text.rawValue, toByteOffset: used, as: UInt8.self)
        base.storeBytes(of: UInt32(truncatingIfNeeded: n), toByteOffset: used &+ 1, as: UInt32.self)
        if let source = utf8.baseAddress, n > 0 { (base + (used &+ 5)).copyMemory(from: source, byteCount: n) }
        used &+= 5 &+ n
        values &+= 1
    }

    /// Appends every value of `record` (a record of another buffer, or of this one's caller) as they are: one copy
    /// of its bytes, no decoding. With ``beginRecord()`` and a value appended before, this puts a column in front of
    /// a record's columns (the `source` column of `convert --each-file`).
    public mutating func appendValues(of record: FlowRecord) {
        let n = record.bytes.count &- FlowRecord.headerSize
        guard n > 0, let source = record.bytes.baseAddress else { return }
        reserve(n)
        (base + used).copyMemory(from: source + FlowRecord.headerSize, byteCount: n)
        used &+= n
        values &+= UInt32(truncatingIfNeeded: record.valueCount)
    }

    /// Stores a `.list` value: kind byte, 4-byte count and each integer widened to 64 bits.
    @inlinable
    public mutating func appendList<Values: Collection>(_ list: Values)
    where Values.Element: FixedWidthInteger & SignedInteger {
        let n = list.count
        reserve(5 &+ 8 &* n)
        base.storeBytes(of: FlowValueKind.list.rawValue, toByteOffset: used, as: UInt8.self)
        base.storeBytes(of: UInt32(truncatingIfNeeded: n), toByteOffset: used &+ 1, as: UInt32.self)
        var offset = used &+ 5
        for v in list {
            base.storeBytes(of: Int64(v), toByteOffset: offset, as: Int64.self)
            offset &+= 8
        }
        used = offset
        values &+= 1
    }
}

extension FlowRecordBuffer {
    /// Encodes one expiring flow as a record: the core columns (``Flow/writeColumns(to:configuration:)``) and every
    /// plugin's columns. Returns the record's byte range.
    @inlinable @discardableResult
    public mutating func append(
        _ flow: borrowing Flow, columns: PluginColumns, configuration: MeterConfiguration
    ) -> Range<Int> {
        beginRecord()
        flow.writeColumns(to: &self, configuration: configuration)
        columns.write(flow: flow, to: &self)
        return endRecord()
    }
}

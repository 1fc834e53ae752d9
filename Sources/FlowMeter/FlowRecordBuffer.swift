import FlowPacket

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
        // A native string's bytes are read in place; a copy (`withUTF8` needs a mutable string) costs a retain
        // and a release for every text column of every flow.
        if text.utf8.withContiguousStorageIfAvailable({ appendUTF8(UnsafeRawBufferPointer($0)) }) != nil { return }
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

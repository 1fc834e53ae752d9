import FlowWriters

#if _endian(big)
#error("FlowParquet writes PLAIN values by copying memory: it needs a little-endian machine")
#endif

/// What a Parquet column holds, as this writer lays it out.
public enum ParquetColumnKind: Sendable, Equatable {
    /// `required int64`.
    case int64
    /// `required double`.
    case double
    /// `required boolean`.
    case boolean
    /// `required binary (STRING)`: UTF-8 text, dictionary-encoded until the dictionary grows too large.
    case string
    /// `required group (LIST) { repeated group list { required int64 element } }`.
    case int64List
}

/// One top-level column of a Parquet file.
public struct ParquetColumn: Sendable, Equatable {
    /// The column's name in the file's schema (a flow schema column name).
    public var name: String
    /// How its values are typed and laid out.
    public var kind: ParquetColumnKind
    /// A column `name` of kind `kind`.
    public init(name: String, kind: ParquetColumnKind) {
        self.name = name
        self.kind = kind
    }

    var physicalType: ParquetPhysicalType {
        switch kind {
        case .int64, .int64List: return .int64
        case .double: return .double
        case .boolean: return .boolean
        case .string: return .byteArray
        }
    }

    /// The leaf's path in the schema.
    var path: [String] { kind == .int64List ? [name, "list", "element"] : [name] }
}

/// A growable buffer of plain values in raw memory: an append is a compare and a store (no copy-on-write check,
/// no exclusivity check when reached through a pointer). Freed explicitly with ``deallocate()``.
struct RawBuffer<Element: BitwiseCopyable> {
    var base: UnsafeMutablePointer<Element>
    var count = 0
    var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { grow(minimum: count + 1) }
        base[count] = value
        count &+= 1
    }

    mutating func grow(minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }
    var rawBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count * MemoryLayout<Element>.stride)
    }

    @inline(__always)
    mutating func removeAll() { count = 0 }

    func deallocate() { base.deallocate() }
}

/// The values of one column's open page, and what its chunk knows so far: kept in plain memory the writer reaches
/// through a pointer, so that appending a value costs a few instructions.
struct ColumnState {
    let kind: ParquetColumnKind
    /// INT64 values, DOUBLE bit patterns, list elements.
    var words = RawBuffer<UInt64>(capacity: 16)
    /// Dictionary indices (text), list lengths (lists), 0/1 (booleans).
    var smalls = RawBuffer<UInt32>(capacity: 16)
    /// PLAIN text: a 4-byte length and the bytes of each value.
    var bytes = RawByteBuffer(capacity: 64)
    var maxIndex: UInt32 = 0
    /// Level entries (lists) or values in the open page.
    var pageEntries = 0
    /// Bytes of values in the open page, before encoding.
    var pageBytes = 0
    /// Text: values go to the dictionary (until it is full, for the rest of the chunk).
    var usesDictionary: Bool
    var dictionary = ByteArrayDictionary()
    var statistics = ColumnStatistics()
    /// The raw value (an address or MAC, before it is written as text) whose dictionary index is `memoIndex`:
    /// a value equal to the previous row's is added without formatting or hashing it.
    var memoKey: (UInt64, UInt64) = (0, 0)
    var memoIndex: UInt32 = 0
    var memoValid = false

    /// Buffers are sized for a full page up front (memory is only touched as it fills), so they rarely grow.
    init(kind: ParquetColumnKind, pageBytes: Int) {
        self.kind = kind
        usesDictionary = kind == .string
        switch kind {
        case .int64, .double, .int64List: words = RawBuffer(capacity: pageBytes / 8 + 64)
        case .string: smalls = RawBuffer(capacity: pageBytes / 4 + 64)
        case .boolean: smalls = RawBuffer(capacity: pageBytes + 64)
        }
        if kind == .int64List { smalls = RawBuffer(capacity: 4096) }
    }

    /// Adds the dictionary entry of the memo again, when `key` is the memo's key.
    @inline(__always)
    mutating func appendMemo(_ key: (UInt64, UInt64)) -> Bool {
        guard memoValid && usesDictionary && memoKey == key else { return false }
        smalls.append(memoIndex)
        pageEntries &+= 1
        pageBytes &+= 4
        return true
    }

    /// Remembers `key` as the raw form of the value just added to the dictionary.
    @inline(__always)
    mutating func setMemo(_ key: (UInt64, UInt64)) {
        guard usesDictionary, smalls.count > 0 else {
            memoValid = false
            return
        }
        memoKey = key
        memoIndex = smalls.base[smalls.count - 1]
        memoValid = true
    }

    func deallocate() {
        words.deallocate()
        smalls.deallocate()
    }

    @inline(__always)
    mutating func appendInt64(_ value: Int64) {
        words.append(UInt64(bitPattern: value))
        statistics.add(value)
        pageEntries &+= 1
        pageBytes &+= 8
    }

    @inline(__always)
    mutating func appendDouble(_ value: Double) {
        words.append(value.bitPattern)
        statistics.add(value)
        pageEntries &+= 1
        pageBytes &+= 8
    }

    @inline(__always)
    mutating func appendBoolean(_ value: Bool) {
        smalls.append(value ? 1 : 0)
        statistics.add(value)
        pageEntries &+= 1
        pageBytes &+= 1
    }

    /// Adds `utf8` to the dictionary; false when the dictionary is full (nothing added).
    @inline(__always)
    mutating func appendDictionaryString(_ utf8: UnsafeRawBufferPointer, limit: Int) -> Bool {
        guard let (index, _) = dictionary.index(of: utf8, limit: limit) else { return false }
        let i = UInt32(truncatingIfNeeded: index)
        smalls.append(i)
        if i > maxIndex { maxIndex = i }
        pageEntries &+= 1
        pageBytes &+= 4
        return true
    }

    mutating func appendPlainString(_ utf8: UnsafeRawBufferPointer) {
        var length = UInt32(truncatingIfNeeded: utf8.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: utf8)
        statistics.add(utf8)
        pageEntries &+= 1
        pageBytes &+= 4 &+ utf8.count
    }

    @inline(__always)
    mutating func appendList<Values: Collection>(_ values: Values) where Values.Element: FixedWidthInteger {
        let n = values.count
        smalls.append(UInt32(truncatingIfNeeded: n))
        for v in values {
            let value = Int64(truncatingIfNeeded: v)
            words.append(UInt64(bitPattern: value))
            statistics.add(value)
        }
        pageEntries &+= n == 0 ? 1 : n
        pageBytes &+= n == 0 ? 1 : 8 &* n
    }

    /// Empties the open page.
    mutating func clearPage() {
        words.removeAll()
        smalls.removeAll()
        bytes.removeAll()
        maxIndex = 0
        pageEntries = 0
        pageBytes = 0
    }

    /// Encodes the open page's body into `body` (levels and values, before compression); returns its encoding.
    func encodePage(into body: inout [UInt8], levels: inout [UInt32]) -> ParquetEncoding {
        switch kind {
        case .int64, .double:
            body.append(contentsOf: words.rawBytes)
        case .boolean:
            // PLAIN booleans: one bit each, from the least significant bit.
            var byte: UInt8 = 0
            for (k, b) in smalls.buffer.enumerated() {
                byte |= UInt8(truncatingIfNeeded: b) << UInt8(k & 7)
                if k & 7 == 7 {
                    body.append(byte)
                    byte = 0
                }
            }
            if smalls.count & 7 != 0 { body.append(byte) }
        case .string:
            if usesDictionary {
                let width = max(1, RLEHybrid.bitWidth(maxIndex))
                body.append(UInt8(width))
                RLEHybrid.encode(smalls.buffer, bitWidth: width, into: &body)
                return .rleDictionary
            }
            body.append(contentsOf: bytes.bytes)
        case .int64List:
            // Repetition level 0 starts a row, 1 continues its list; definition level 1 is an element, 0 an empty
            // list.
            levels.removeAll(keepingCapacity: true)
            for n in smalls.buffer {
                if n == 0 {
                    levels.append(0)
                } else {
                    levels.append(0)
                    for _ in 1..<n { levels.append(1) }
                }
            }
            RLEHybrid.encodeLevels(levels, maxLevel: 1, into: &body)
            levels.removeAll(keepingCapacity: true)
            for n in smalls.buffer {
                if n == 0 {
                    levels.append(0)
                } else {
                    for _ in 0..<n { levels.append(1) }
                }
            }
            RLEHybrid.encodeLevels(levels, maxLevel: 1, into: &body)
            body.append(contentsOf: words.rawBytes)
        }
        return .plain
    }
}

/// The encoded pages of one column chunk, kept until the row group is written.
final class ColumnChunkPages {
    /// Page headers and compressed bodies, in order.
    var pages: [UInt8] = []
    var dictionaryDataPages: Int32 = 0
    var plainDataPages: Int32 = 0
    var entries: Int64 = 0
    var uncompressedTotal: Int64 = 0
    var compressedTotal: Int64 = 0

    func reset() {
        pages.removeAll(keepingCapacity: true)
        dictionaryDataPages = 0
        plainDataPages = 0
        entries = 0
        uncompressedTotal = 0
        compressedTotal = 0
    }
}

/// Min, max and null count of a column chunk, in the column's type-defined order (signed for INT64, IEEE order
/// without NaN for DOUBLE, unsigned bytes for text).
struct ColumnStatistics {
    var minInt = Int64.max
    var maxInt = Int64.min
    var minDouble = Double.infinity
    var maxDouble = -Double.infinity
    var sawNumber = false
    var sawFalse = false
    var sawTrue = false
    var minBytes: [UInt8]?
    var maxBytes: [UInt8]?
    /// Text longer than this is left out of min/max (which must be exact values).
    static let textLimit = 256
    var textTooLong = false

    @inline(__always)
    mutating func add(_ v: Int64) {
        if v < minInt { minInt = v }
        if v > maxInt { maxInt = v }
    }

    @inline(__always)
    mutating func add(_ v: Double) {
        guard !v.isNaN else { return }
        sawNumber = true
        if v < minDouble { minDouble = v }
        if v > maxDouble { maxDouble = v }
    }

    mutating func add(_ b: Bool) {
        if b { sawTrue = true } else { sawFalse = true }
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        if textTooLong { return }
        if bytes.count > Self.textLimit {
            textTooLong = true
            return
        }
        if minBytes == nil || bytes.lexicographicallyPrecedes(minBytes!) { minBytes = Array(bytes) }
        if maxBytes == nil || maxBytes!.lexicographicallyPrecedes(bytes) { maxBytes = Array(bytes) }
    }

    static func littleEndian<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }

    func encoded(kind: ParquetColumnKind) -> ParquetStatistics {
        var s = ParquetStatistics()
        s.nullCount = 0
        switch kind {
        case .int64, .int64List:
            if minInt <= maxInt {
                s.minValue = Self.littleEndian(minInt)
                s.maxValue = Self.littleEndian(maxInt)
            }
            // Empty lists are undefined entries, not nulls of the leaf: leave the count out.
            if kind == .int64List { s.nullCount = nil }
        case .double:
            if sawNumber {
                // Zero is written as -0.0 for the minimum and +0.0 for the maximum (the specification's rule).
                let lo = minDouble == 0 ? -0.0 : minDouble
                let hi = maxDouble == 0 ? 0.0 : maxDouble
                s.minValue = Self.littleEndian(lo.bitPattern)
                s.maxValue = Self.littleEndian(hi.bitPattern)
            }
        case .boolean:
            if sawFalse || sawTrue {
                s.minValue = [sawFalse ? 0 : 1]
                s.maxValue = [sawTrue ? 1 : 0]
            }
        case .string:
            if !textTooLong, let minBytes, let maxBytes {
                s.minValue = minBytes
                s.maxValue = maxBytes
            }
        }
        return s
    }
}

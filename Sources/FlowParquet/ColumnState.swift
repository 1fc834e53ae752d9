import FlowWriters

/// The values of one column's open page, and what its chunk knows so far: kept in plain memory the writer reaches
/// through a pointer, so that appending a value costs a few instructions.
struct ColumnState {
    let kind: ParquetColumnKind
    /// INT64 values, DOUBLE bit patterns, list elements.
    var words: RawBuffer<UInt64>
    /// Dictionary indices (text), list lengths (lists), 0/1 (booleans).
    var smalls: RawBuffer<UInt32>
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

    /// Buffers are sized for a full page up front (memory is only touched as it fills), so they rarely grow. Each
    /// is allocated once here (a buffer replaced after a default allocation would leak: they are freed by hand).
    init(kind: ParquetColumnKind, pageBytes: Int) {
        self.kind = kind
        usesDictionary = kind == .string
        switch kind {
        case .int64, .double:
            words = RawBuffer(capacity: pageBytes / 8 + 64)
            smalls = RawBuffer(capacity: 16)
        case .int64List:
            words = RawBuffer(capacity: pageBytes / 8 + 64)
            smalls = RawBuffer(capacity: 4096)
        case .string:
            words = RawBuffer(capacity: 16)
            smalls = RawBuffer(capacity: pageBytes / 4 + 64)
        case .boolean:
            words = RawBuffer(capacity: 16)
            smalls = RawBuffer(capacity: pageBytes + 64)
        }
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

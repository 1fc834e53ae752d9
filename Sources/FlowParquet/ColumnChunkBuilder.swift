#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    public var name: String
    public var kind: ParquetColumnKind
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

/// Builds one column chunk of the current row group: values go to the open page; a full page (`pageBytes` of
/// values, closed only between rows) is encoded, compressed and kept with its header until the row group is
/// written. Text starts dictionary-encoded and falls back to PLAIN for the rest of the chunk when the dictionary
/// passes `dictionaryBytes`.
final class ColumnChunkBuilder {
    let column: ParquetColumn
    let compressor: PageCompressor
    let pageBytesLimit: Int
    let dictionaryBytesLimit: Int

    // The open page.
    var int64s: [Int64] = []
    var doubles: [Double] = []
    var booleans: [Bool] = []
    var indices: [UInt32] = []
    var maxIndex: UInt32 = 0
    var plain: [UInt8] = []
    var repetition: [UInt32] = []
    var definition: [UInt32] = []
    /// Level entries (lists) or values in the open page.
    var pageEntries = 0
    /// Bytes of values in the open page (before encoding).
    var pageBytes = 0

    // The chunk.
    var usesDictionary: Bool
    var dictionary = ByteArrayDictionary()
    /// Page headers and compressed bodies, in order.
    var pages: [UInt8] = []
    var dictionaryDataPages: Int32 = 0
    var plainDataPages: Int32 = 0
    var chunkEntries: Int64 = 0
    var uncompressedTotal: Int64 = 0
    var compressedTotal: Int64 = 0
    var statistics = ColumnStatistics()

    // Scratch.
    var body: [UInt8] = []
    var compressed: [UInt8] = []

    init(column: ParquetColumn, compressor: PageCompressor, pageBytes: Int, dictionaryBytes: Int) {
        self.column = column
        self.compressor = compressor
        self.pageBytesLimit = pageBytes
        self.dictionaryBytesLimit = dictionaryBytes
        usesDictionary = column.kind == .string
    }

    /// Memory held by the chunk so far (encoded pages and the open page's values).
    var bufferedBytes: Int { pages.count + pageBytes + (usesDictionary ? dictionary.plainSize : 0) }

    // MARK: Values

    @inline(__always)
    func appendInt64(_ value: Int64) throws {
        int64s.append(value)
        statistics.add(value)
        pageEntries &+= 1
        pageBytes &+= 8
        if pageBytes >= pageBytesLimit { try closePage() }
    }

    @inline(__always)
    func appendDouble(_ value: Double) throws {
        doubles.append(value)
        statistics.add(value)
        pageEntries &+= 1
        pageBytes &+= 8
        if pageBytes >= pageBytesLimit { try closePage() }
    }

    func appendBoolean(_ value: Bool) throws {
        booleans.append(value)
        statistics.add(value)
        pageEntries &+= 1
        pageBytes &+= 1
        if pageBytes >= pageBytesLimit { try closePage() }
    }

    func appendString(_ bytes: UnsafeRawBufferPointer) throws {
        if usesDictionary {
            if let (index, _) = dictionary.index(of: bytes, limit: dictionaryBytesLimit) {
                let i = UInt32(index)
                indices.append(i)
                if i > maxIndex { maxIndex = i }
                pageEntries &+= 1
                pageBytes &+= 4
                if pageBytes >= pageBytesLimit { try closePage() }
                return
            }
            // The dictionary is full: PLAIN for the rest of this chunk.
            try closePage()
            usesDictionary = false
        }
        appendLength(bytes.count, into: &plain)
        plain.append(contentsOf: bytes)
        statistics.add(bytes)
        pageEntries &+= 1
        pageBytes &+= 4 &+ bytes.count
        if pageBytes >= pageBytesLimit { try closePage() }
    }

    func appendList<Values: Collection>(_ values: Values) throws where Values.Element == Int64 {
        if values.isEmpty {
            repetition.append(0)
            definition.append(0)
            pageEntries &+= 1
            pageBytes &+= 1
        } else {
            var level: UInt32 = 0
            for v in values {
                repetition.append(level)
                definition.append(1)
                int64s.append(v)
                statistics.add(v)
                level = 1
            }
            pageEntries &+= values.count
            pageBytes &+= 8 &* values.count
        }
        if pageBytes >= pageBytesLimit { try closePage() }
    }

    // MARK: Pages

    /// Encodes, compresses and keeps the open page (nothing when it is empty).
    func closePage() throws {
        guard pageEntries > 0 else { return }
        body.removeAll(keepingCapacity: true)
        var encoding = ParquetEncoding.plain
        switch column.kind {
        case .int64:
            int64s.withUnsafeBytes { body.append(contentsOf: $0) }
        case .double:
            doubles.withUnsafeBytes { body.append(contentsOf: $0) }
        case .boolean:
            // PLAIN booleans: one bit each, from the least significant bit.
            var byte: UInt8 = 0
            for (k, b) in booleans.enumerated() {
                if b { byte |= 1 << UInt8(k & 7) }
                if k & 7 == 7 {
                    body.append(byte)
                    byte = 0
                }
            }
            if booleans.count & 7 != 0 { body.append(byte) }
        case .string:
            if !indices.isEmpty {
                encoding = .rleDictionary
                let width = max(1, RLEHybrid.bitWidth(maxIndex))
                body.append(UInt8(width))
                RLEHybrid.encode(indices, bitWidth: width, into: &body)
            } else {
                body.append(contentsOf: plain)
            }
        case .int64List:
            RLEHybrid.encodeLevels(repetition, maxLevel: 1, into: &body)
            RLEHybrid.encodeLevels(definition, maxLevel: 1, into: &body)
            int64s.withUnsafeBytes { body.append(contentsOf: $0) }
        }
        try appendPage(.dataPage, entries: pageEntries, encoding: encoding, into: &pages)
        if encoding == .rleDictionary { dictionaryDataPages += 1 } else { plainDataPages += 1 }
        chunkEntries += Int64(pageEntries)
        int64s.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        booleans.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
        maxIndex = 0
        plain.removeAll(keepingCapacity: true)
        repetition.removeAll(keepingCapacity: true)
        definition.removeAll(keepingCapacity: true)
        pageEntries = 0
        pageBytes = 0
    }

    /// Compresses `body` and appends its page header and compressed bytes to `output`; counts both sizes.
    func appendPage(_ type: ParquetPageType, entries: Int, encoding: ParquetEncoding, into output: inout [UInt8]) throws {
        compressed.removeAll(keepingCapacity: true)
        try body.withUnsafeBytes { try compressor.compress($0, into: &compressed) }
        guard body.count <= Int32.max, compressed.count <= Int32.max else {
            throw ParquetWriterError.pageTooLarge(column: column.name, bytes: max(body.count, compressed.count))
        }
        var header = ThriftCompactWriter()
        ParquetPageHeader(
            type: type, uncompressedSize: Int32(body.count), compressedSize: Int32(compressed.count),
            valueCount: Int32(entries), encoding: encoding
        ).encode(&header)
        output.append(contentsOf: header.bytes)
        output.append(contentsOf: compressed)
        uncompressedTotal += Int64(header.bytes.count + body.count)
        compressedTotal += Int64(header.bytes.count + compressed.count)
    }

    // MARK: The chunk

    /// Closes the open page and writes the chunk (dictionary page first) at `offset` through `write`; returns its
    /// metadata and starts a new chunk.
    func writeChunk(
        at offset: Int64, codec: ParquetCompression, write: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> ParquetColumnChunkMetadata {
        try closePage()
        var position = offset
        var dictionaryOffset: Int64?
        var encodingStats: [(ParquetPageType, ParquetEncoding, Int32)] = []
        var encodings = Set<ParquetEncoding>()
        if column.kind == .string && dictionary.count > 0 {
            body.removeAll(keepingCapacity: true)
            dictionary.appendPlain(into: &body)
            var dictionaryPage: [UInt8] = []
            try appendPage(.dictionaryPage, entries: dictionary.count, encoding: .plain, into: &dictionaryPage)
            try dictionaryPage.withUnsafeBytes { try write($0) }
            dictionaryOffset = position
            position += Int64(dictionaryPage.count)
            encodingStats.append((.dictionaryPage, .plain, 1))
            encodings.insert(.plain)
            for i in 0..<dictionary.count { dictionary.withValue(i) { statistics.add($0) } }
        }
        let dataOffset = position
        try pages.withUnsafeBytes { try write($0) }
        if dictionaryDataPages > 0 {
            encodingStats.append((.dataPage, .rleDictionary, dictionaryDataPages))
            encodings.insert(.rleDictionary)
        }
        if plainDataPages > 0 {
            encodingStats.append((.dataPage, .plain, plainDataPages))
            encodings.insert(.plain)
        }
        if column.kind == .int64List { encodings.insert(.rle) }
        let metadata = ParquetColumnChunkMetadata(
            type: column.physicalType, encodings: encodings.sorted(), path: column.path, codec: codec,
            valueCount: chunkEntries, totalUncompressedSize: uncompressedTotal, totalCompressedSize: compressedTotal,
            dataPageOffset: dataOffset, dictionaryPageOffset: dictionaryOffset,
            statistics: statistics.encoded(kind: column.kind), encodingStats: encodingStats)

        pages.removeAll(keepingCapacity: true)
        dictionary.removeAll()
        usesDictionary = column.kind == .string
        dictionaryDataPages = 0
        plainDataPages = 0
        chunkEntries = 0
        uncompressedTotal = 0
        compressedTotal = 0
        statistics = ColumnStatistics()
        return metadata
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
        if minBytes == nil || Self.less(bytes, minBytes!) { minBytes = Array(bytes) }
        if maxBytes == nil || Self.less(maxBytes!, bytes) { maxBytes = Array(bytes) }
    }

    static func less(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        a.lexicographicallyPrecedes(b)
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

/// The parts of Apache Parquet's metadata (`parquet.thrift`) this writer produces, with their Thrift field ids.
/// Only what a flow table needs is modelled: flat required columns and three-level lists of integers.

/// Physical types (`Type`).
public enum ParquetPhysicalType: Int32, Sendable {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case double = 5
    case byteArray = 6
}

/// `Encoding`.
public enum ParquetEncoding: Int32, Sendable, Comparable {
    case plain = 0
    case rle = 3
    case rleDictionary = 8

    /// Orders by Thrift value, so a column chunk lists its encodings in a stable order.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// `CompressionCodec`.
public enum ParquetCompression: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case snappy = 1
    case gzip = 2
    case zstd = 6

    /// The name `--parquet-compression` takes.
    public var description: String {
        switch self {
        case .none: return "none"
        case .snappy: return "snappy"
        case .gzip: return "gzip"
        case .zstd: return "zstd"
        }
    }

    /// The codec named `name` (`none`, `snappy`, `gzip`, `zstd`; any case), or nil.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
        self = match
    }
}

/// `PageType`.
enum ParquetPageType: Int32 {
    case dataPage = 0
    case dictionaryPage = 2
}

/// `FieldRepetitionType`.
enum ParquetRepetition: Int32 {
    case required = 0
    case optional = 1
    case repeated = 2
}

/// `ConvertedType` values used here.
enum ParquetConvertedType: Int32 {
    case utf8 = 0
    case list = 3
}

/// `Statistics`: the min/max fields are the new ones (5, 6), whose order is the column's type-defined order.
struct ParquetStatistics {
    var nullCount: Int64?
    var minValue: [UInt8]?
    var maxValue: [UInt8]?

    func encode(_ w: inout ThriftCompactWriter) {
        if let nullCount { w.writeI64(3, nullCount) }
        if let maxValue { w.writeBinary(5, maxValue) }
        if let minValue { w.writeBinary(6, minValue) }
    }
}

/// `SchemaElement`.
struct ParquetSchemaElement {
    var name: String
    var type: ParquetPhysicalType?
    var repetition: ParquetRepetition?
    var numChildren: Int32?
    var convertedType: ParquetConvertedType?
    /// The `LogicalType` union member's field id (1 STRING, 3 LIST), all of them empty structs.
    var logicalTypeField: Int16?

    func encode(_ w: inout ThriftCompactWriter) {
        if let type { w.writeI32(1, type.rawValue) }
        if let repetition { w.writeI32(3, repetition.rawValue) }
        w.writeString(4, name)
        if let numChildren { w.writeI32(5, numChildren) }
        if let convertedType { w.writeI32(6, convertedType.rawValue) }
        if let logicalTypeField {
            w.writeStruct(10) { $0.writeEmptyStruct(logicalTypeField) }
        }
    }
}

/// `PageHeader` with its `DataPageHeader` (v1) or `DictionaryPageHeader`.
struct ParquetPageHeader {
    var type: ParquetPageType
    var uncompressedSize: Int32
    var compressedSize: Int32
    /// Values in the page (level entries for a data page, entries for a dictionary page).
    var valueCount: Int32
    var encoding: ParquetEncoding

    func encode(_ w: inout ThriftCompactWriter) {
        w.writeI32(1, type.rawValue)
        w.writeI32(2, uncompressedSize)
        w.writeI32(3, compressedSize)
        switch type {
        case .dataPage:
            w.writeStruct(5) { d in
                d.writeI32(1, valueCount)
                d.writeI32(2, encoding.rawValue)
                d.writeI32(3, ParquetEncoding.rle.rawValue)  // definition levels
                d.writeI32(4, ParquetEncoding.rle.rawValue)  // repetition levels
            }
        case .dictionaryPage:
            w.writeStruct(7) { d in
                d.writeI32(1, valueCount)
                d.writeI32(2, encoding.rawValue)
            }
        }
        w.finishTopLevelStruct()
    }
}

/// `ColumnMetaData` and the `ColumnChunk` around it.
struct ParquetColumnChunkMetadata {
    var type: ParquetPhysicalType
    var encodings: [ParquetEncoding]
    var path: [String]
    var codec: ParquetCompression
    var valueCount: Int64
    var totalUncompressedSize: Int64
    var totalCompressedSize: Int64
    var dataPageOffset: Int64
    var dictionaryPageOffset: Int64?
    var statistics: ParquetStatistics
    /// `PageEncodingStats`: (page type, encoding, count).
    var encodingStats: [(ParquetPageType, ParquetEncoding, Int32)]

    /// Offset of the chunk's first page.
    var fileOffset: Int64 { dictionaryPageOffset ?? dataPageOffset }

    func encode(_ w: inout ThriftCompactWriter) {
        w.writeI64(2, fileOffset)
        w.writeStruct(3) { m in
            m.writeI32(1, type.rawValue)
            m.writeI32List(2, encodings.map(\.rawValue))
            m.writeStringList(3, path)
            m.writeI32(4, codec.rawValue)
            m.writeI64(5, valueCount)
            m.writeI64(6, totalUncompressedSize)
            m.writeI64(7, totalCompressedSize)
            m.writeI64(9, dataPageOffset)
            if let dictionaryPageOffset { m.writeI64(11, dictionaryPageOffset) }
            m.writeStruct(12) { statistics.encode(&$0) }
            m.writeStructList(13, encodingStats) { s, stat in
                s.writeI32(1, stat.0.rawValue)
                s.writeI32(2, stat.1.rawValue)
                s.writeI32(3, stat.2)
            }
        }
    }
}

/// `RowGroup`.
struct ParquetRowGroupMetadata {
    var columns: [ParquetColumnChunkMetadata]
    var rowCount: Int64
    var ordinal: Int16

    func encode(_ w: inout ThriftCompactWriter) {
        w.writeStructList(1, columns) { c, column in column.encode(&c) }
        w.writeI64(2, columns.reduce(0) { $0 + $1.totalUncompressedSize })
        w.writeI64(3, rowCount)
        if let first = columns.first { w.writeI64(5, first.fileOffset) }
        w.writeI64(6, columns.reduce(0) { $0 + $1.totalCompressedSize })
        w.writeFieldHeader(id: 7, type: .i16)
        w.writeZigzag(Int64(ordinal))
    }
}

/// `FileMetaData`: the footer.
struct ParquetFileMetadata {
    var schema: [ParquetSchemaElement]
    var rowCount: Int64
    var rowGroups: [ParquetRowGroupMetadata]
    var keyValues: [(String, String)]
    var createdBy: String
    /// Leaf columns, each with the type-defined sort order for its statistics.
    var leafCount: Int

    func encoded() -> [UInt8] {
        var w = ThriftCompactWriter()
        w.writeI32(1, 2)  // format version
        w.writeStructList(2, schema) { s, element in element.encode(&s) }
        w.writeI64(3, rowCount)
        w.writeStructList(4, rowGroups) { g, group in group.encode(&g) }
        if !keyValues.isEmpty {
            w.writeStructList(5, keyValues) { k, pair in
                k.writeString(1, pair.0)
                k.writeString(2, pair.1)
            }
        }
        w.writeString(6, createdBy)
        w.writeStructList(7, Array(repeating: (), count: leafCount)) { o, _ in o.writeEmptyStruct(1) }
        w.finishTopLevelStruct()
        return w.bytes
    }
}

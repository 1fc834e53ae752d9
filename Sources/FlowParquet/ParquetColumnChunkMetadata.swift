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

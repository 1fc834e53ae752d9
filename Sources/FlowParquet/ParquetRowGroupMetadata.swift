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

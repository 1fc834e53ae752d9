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

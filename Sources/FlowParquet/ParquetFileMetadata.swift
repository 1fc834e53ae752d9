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

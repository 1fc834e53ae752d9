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

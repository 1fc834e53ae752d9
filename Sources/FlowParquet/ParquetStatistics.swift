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

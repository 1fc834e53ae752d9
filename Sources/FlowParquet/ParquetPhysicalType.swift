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

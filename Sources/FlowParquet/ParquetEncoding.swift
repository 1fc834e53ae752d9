/// `Encoding`.
public enum ParquetEncoding: Int32, Sendable, Comparable {
    case plain = 0
    case rle = 3
    case rleDictionary = 8

    /// Orders by Thrift value, so a column chunk lists its encodings in a stable order.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// `ConvertedType` values used here.
enum ParquetConvertedType: Int32 {
    case utf8 = 0
    case list = 3
}

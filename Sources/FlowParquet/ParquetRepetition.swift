/// `FieldRepetitionType`.
enum ParquetRepetition: Int32 {
    case required = 0
    case optional = 1
    case repeated = 2
}

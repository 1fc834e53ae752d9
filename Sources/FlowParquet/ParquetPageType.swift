/// `PageType`.
enum ParquetPageType: Int32 {
    case dataPage = 0
    case dictionaryPage = 2
}

/// The formats `-o` can write.
public enum OutputFormat: String, CaseIterable, Sendable {
    case csv, parquet, ipfix
}

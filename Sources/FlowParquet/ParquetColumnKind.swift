import FlowWriters

#if _endian(big)
#error("FlowParquet writes PLAIN values by copying memory: it needs a little-endian machine")
#endif

/// What a Parquet column holds, as this writer lays it out.
public enum ParquetColumnKind: Sendable, Equatable {
    /// `required int64`.
    case int64
    /// `required double`.
    case double
    /// `required boolean`.
    case boolean
    /// `required binary (STRING)`: UTF-8 text, dictionary-encoded until the dictionary grows too large.
    case string
    /// `required group (LIST) { repeated group list { required int64 element } }`.
    case int64List
}

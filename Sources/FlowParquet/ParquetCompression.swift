/// `CompressionCodec`.
public enum ParquetCompression: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case snappy = 1
    case gzip = 2
    case zstd = 6

    /// The name `--parquet-compression` takes.
    public var description: String {
        switch self {
        case .none: return "none"
        case .snappy: return "snappy"
        case .gzip: return "gzip"
        case .zstd: return "zstd"
        }
    }

    /// The codec named `name` (`none`, `snappy`, `gzip`, `zstd`; any case), or nil.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
        self = match
    }
}

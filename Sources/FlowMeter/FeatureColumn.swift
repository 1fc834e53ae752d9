import FlowPacket

/// One output column: its name, type and a one-line description.
public struct FeatureColumn: Sendable, Equatable {
    /// The column name as written in headers (`src2dst_packets`, `splt_direction` …).
    public var name: String
    /// The value type, which picks the column's Parquet and IPFIX encodings.
    public var type: ColumnType
    /// One-line description, as `flowmeter features` lists it.
    public var summary: String
    /// A column named `name` of type `type`, described by `summary`.
    public init(_ name: String, _ type: ColumnType, _ summary: String) {
        self.name = name
        self.type = type
        self.summary = summary
    }
}

import FlowWriters

/// One top-level column of a Parquet file.
public struct ParquetColumn: Sendable, Equatable {
    /// The column's name in the file's schema (a flow schema column name).
    public var name: String
    /// How its values are typed and laid out.
    public var kind: ParquetColumnKind
    /// A column `name` of kind `kind`.
    public init(name: String, kind: ParquetColumnKind) {
        self.name = name
        self.kind = kind
    }

    var physicalType: ParquetPhysicalType {
        switch kind {
        case .int64, .int64List: return .int64
        case .double: return .double
        case .boolean: return .boolean
        case .string: return .byteArray
        }
    }

    /// The leaf's path in the schema.
    var path: [String] { kind == .int64List ? [name, "list", "element"] : [name] }
}

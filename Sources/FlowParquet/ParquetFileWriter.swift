import FlowWriters

/// Errors of the Parquet writer. Each names the output.
public enum ParquetWriterError: Error, CustomStringConvertible, Sendable {
    case pageTooLarge(column: String, bytes: Int)
    case valueDoesNotFitColumn(path: String, row: UInt64, column: String, expected: String, got: String)

    public var description: String {
        switch self {
        case .pageTooLarge(let column, let bytes):
            return "a Parquet page of column '\(column)' would hold \(bytes) bytes, more than the format's 2 GiB"
        case .valueDoesNotFitColumn(let path, let row, let column, let expected, let got):
            return
                "row \(row) for '\(path)': column '\(column)' is declared \(expected) but its plugin wrote \(got) (a feature plugin's `columns` do not match what it writes)"
        }
    }
}

/// Writes a Parquet file (Apache Parquet format 2, data pages v1) row by row to a ``ByteSink``: the magic number
/// at once, each row group when it fills (`rowGroupRows` rows, or `rowGroupBytes` of encoded pages), and the
/// footer on ``finish()``. Memory holds one row group's compressed pages and one open page per column.
///
/// Values are appended column by column in schema order; ``endRow()`` closes a row.
public final class ParquetFileWriter {
    public struct Options: Sendable {
        public var compression: ParquetCompression = .zstd
        /// Rows per row group.
        public var rowGroupRows = 131_072
        /// A row group is also written when its encoded pages reach this size (bounded memory on wide rows).
        public var rowGroupBytes = 256 << 20
        /// Values per data page, in bytes before encoding.
        public var pageBytes = 1 << 20
        /// A text column's dictionary larger than this falls back to PLAIN for the rest of the row group.
        public var dictionaryBytes = 1 << 20
        /// Key-value metadata of the file.
        public var keyValues: [(String, String)] = []
        /// The `created_by` string (`NAME version X`, the form readers parse).
        public var createdBy = "flowmeter"
        public init() {}
    }

    public let columns: [ParquetColumn]
    let options: Options
    let sink: ByteSink
    let builders: [ColumnChunkBuilder]
    var offset: Int64 = 0
    var rowGroups: [ParquetRowGroupMetadata] = []
    var rowsInGroup = 0
    public private(set) var rowCount: Int64 = 0
    var finished = false

    static let magic: [UInt8] = Array("PAR1".utf8)

    /// Starts the file: writes the magic number.
    public init(sink: ByteSink, columns: [ParquetColumn], options: Options) throws {
        precondition(options.rowGroupRows > 0, "rowGroupRows must be positive")
        self.sink = sink
        self.columns = columns
        self.options = options
        let compressor = PageCompressor(codec: options.compression)
        builders = columns.map {
            ColumnChunkBuilder(
                column: $0, compressor: compressor, pageBytes: options.pageBytes,
                dictionaryBytes: options.dictionaryBytes)
        }
        try write(Self.magic)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try sink.write($0) }
        offset += Int64(bytes.count)
    }

    // MARK: Rows

    @inline(__always)
    public func appendInt64(column: Int, _ value: Int64) throws { try builders[column].appendInt64(value) }
    @inline(__always)
    public func appendDouble(column: Int, _ value: Double) throws { try builders[column].appendDouble(value) }
    public func appendBoolean(column: Int, _ value: Bool) throws { try builders[column].appendBoolean(value) }
    public func appendString(column: Int, _ utf8: UnsafeRawBufferPointer) throws {
        try builders[column].appendString(utf8)
    }
    public func appendList<Values: Collection>(column: Int, _ values: Values) throws where Values.Element == Int64 {
        try builders[column].appendList(values)
    }

    /// Ends a row (every column has had its value); writes the row group when it is full.
    public func endRow() throws {
        rowsInGroup += 1
        rowCount += 1
        if rowsInGroup >= options.rowGroupRows
            || (rowsInGroup & 1023 == 0 && builders.reduce(0, { $0 + $1.bufferedBytes }) >= options.rowGroupBytes)
        {
            try writeRowGroup()
        }
    }

    func writeRowGroup() throws {
        guard rowsInGroup > 0 else { return }
        var chunks: [ParquetColumnChunkMetadata] = []
        chunks.reserveCapacity(builders.count)
        for builder in builders {
            let metadata = try builder.writeChunk(at: offset, codec: options.compression) { bytes in
                try sink.write(bytes)
                offset += Int64(bytes.count)
            }
            chunks.append(metadata)
        }
        rowGroups.append(
            ParquetRowGroupMetadata(columns: chunks, rowCount: Int64(rowsInGroup), ordinal: Int16(truncatingIfNeeded: rowGroups.count)))
        rowsInGroup = 0
    }

    // MARK: The end

    /// The schema as Parquet lists it: the root, then each column (a list as its three levels).
    var schemaElements: [ParquetSchemaElement] {
        var elements = [ParquetSchemaElement(name: "schema", numChildren: Int32(columns.count))]
        for column in columns {
            switch column.kind {
            case .int64List:
                elements.append(
                    ParquetSchemaElement(
                        name: column.name, repetition: .required, numChildren: 1, convertedType: .list,
                        logicalTypeField: 3))
                elements.append(ParquetSchemaElement(name: "list", repetition: .repeated, numChildren: 1))
                elements.append(ParquetSchemaElement(name: "element", type: .int64, repetition: .required))
            case .string:
                elements.append(
                    ParquetSchemaElement(
                        name: column.name, type: .byteArray, repetition: .required, convertedType: .utf8,
                        logicalTypeField: 1))
            default:
                elements.append(ParquetSchemaElement(name: column.name, type: column.physicalType, repetition: .required))
            }
        }
        return elements
    }

    /// Writes the last row group and the footer, then finishes the sink (for a file: renamed to its name).
    public func finish() throws {
        guard !finished else { return }
        try writeRowGroup()
        let footer = ParquetFileMetadata(
            schema: schemaElements, rowCount: rowCount, rowGroups: rowGroups, keyValues: options.keyValues,
            createdBy: options.createdBy, leafCount: columns.count
        ).encoded()
        try write(footer)
        let length = UInt32(footer.count)
        try write([0, 8, 16, 24].map { UInt8(truncatingIfNeeded: length >> $0) })
        try write(Self.magic)
        finished = true
        try sink.finish()
    }

    /// Gives up: the sink removes its temporary file.
    public func abandon() {
        finished = true
        sink.abandon()
    }
}

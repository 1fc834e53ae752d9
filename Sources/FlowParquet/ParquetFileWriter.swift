import FlowWriters

/// Writes a Parquet file (Apache Parquet format 2, data pages v1) row by row to a ``ByteSink``: the magic number
/// at once, each row group when it fills (`rowGroupRows` rows, or `rowGroupBytes` of encoded pages), and the
/// footer on ``finish()``. Memory holds one row group's compressed pages and one open page per column.
///
/// Values are appended column by column in schema order; ``endRow()`` closes a row.
public final class ParquetFileWriter {
    /// Tuning of the file layout; the defaults are what `convert -o x.parquet` writes.
    public struct Options: Sendable {
        /// The codec of every data and dictionary page (zstd level 3 by default).
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
        /// The defaults: zstd, row groups of 131,072 rows or 256 MiB, 1 MiB pages and dictionaries.
        public init() {}
    }

    /// The file's columns, in order.
    public let columns: [ParquetColumn]
    let options: Options
    let sink: ByteSink
    let compressor: PageCompressor
    /// One ``ColumnState`` per column, in plain memory: the hot path appends through this pointer.
    let states: UnsafeMutablePointer<ColumnState>
    let chunks: [ColumnChunkPages]
    var offset: Int64 = 0
    var rowGroups: [ParquetRowGroupMetadata] = []
    var rowsInGroup = 0
    /// Rows ended so far (with ``endRow()``), written or still in the open row group.
    public private(set) var rowCount: Int64 = 0
    var finished = false
    // Scratch for encoding and compressing pages.
    var body: [UInt8] = []
    var compressed: [UInt8] = []
    var levels: [UInt32] = []

    static let magic: [UInt8] = Array("PAR1".utf8)

    /// Starts the file: writes the magic number.
    public init(sink: ByteSink, columns: [ParquetColumn], options: Options) throws {
        precondition(options.rowGroupRows > 0, "rowGroupRows must be positive")
        self.sink = sink
        self.columns = columns
        self.options = options
        compressor = PageCompressor(codec: options.compression)
        states = .allocate(capacity: max(columns.count, 1))
        for (i, column) in columns.enumerated() {
            (states + i).initialize(to: ColumnState(kind: column.kind, pageBytes: options.pageBytes))
        }
        chunks = columns.map { _ in ColumnChunkPages() }
        try write(Self.magic)
    }

    deinit {
        for i in 0..<columns.count { states[i].deallocate() }
        states.deinitialize(count: columns.count)
        states.deallocate()
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try sink.write($0) }
        offset += Int64(bytes.count)
    }

    // MARK: Rows

    /// Appends the value of an INT64 column to the current row.
    @inline(__always)
    public func appendInt64(column: Int, _ value: Int64) {
        precondition(column >= 0 && column < columns.count && states[column].kind == .int64, "not an int64 column")
        states[column].appendInt64(value)
    }

    /// Appends the value of a DOUBLE column to the current row.
    @inline(__always)
    public func appendDouble(column: Int, _ value: Double) {
        precondition(column >= 0 && column < columns.count && states[column].kind == .double, "not a double column")
        states[column].appendDouble(value)
    }

    /// Appends the value of a BOOLEAN column to the current row.
    public func appendBoolean(column: Int, _ value: Bool) {
        precondition(column >= 0 && column < columns.count && states[column].kind == .boolean, "not a boolean column")
        states[column].appendBoolean(value)
    }

    /// Appends the value of a text column to the current row.
    public func appendString(column: Int, _ utf8: UnsafeRawBufferPointer) throws {
        precondition(column >= 0 && column < columns.count && states[column].kind == .string, "not a text column")
        try appendString(state: states + column, utf8)
    }

    /// Appends the value of a list column to the current row.
    public func appendList<Values: Collection>(column: Int, _ values: Values) where Values.Element: FixedWidthInteger {
        precondition(column >= 0 && column < columns.count && states[column].kind == .int64List, "not a list column")
        states[column].appendList(values)
    }

    @inline(__always)
    func appendString(state: UnsafeMutablePointer<ColumnState>, _ utf8: UnsafeRawBufferPointer) throws {
        if state.pointee.usesDictionary {
            if state.pointee.appendDictionaryString(utf8, limit: options.dictionaryBytes) { return }
            // The dictionary is full: PLAIN for the rest of this chunk.
            try closePage(state - states)
            state.pointee.usesDictionary = false
        }
        state.pointee.appendPlainString(utf8)
    }

    /// Ends a row (every column has had its value): closes the pages that are full and writes the row group when
    /// it is. Pages close only here, so a row never spans two pages.
    public func endRow() throws {
        rowsInGroup += 1
        rowCount += 1
        let limit = options.pageBytes
        for c in 0..<columns.count where states[c].pageBytes >= limit {
            try closePage(c)
        }
        if rowsInGroup >= options.rowGroupRows || (rowsInGroup & 1023 == 0 && bufferedBytes >= options.rowGroupBytes) {
            try writeRowGroup()
        }
    }

    /// Memory held by the row group: encoded pages, open pages and dictionaries.
    var bufferedBytes: Int {
        var total = 0
        for c in 0..<columns.count {
            total += chunks[c].pages.count + states[c].pageBytes
            if states[c].usesDictionary { total += states[c].dictionary.plainSize }
        }
        return total
    }

    // MARK: Pages and chunks

    /// Encodes, compresses and keeps column `c`'s open page (nothing when it is empty).
    func closePage(_ c: Int) throws {
        let state = states + c
        guard state.pointee.pageEntries > 0 else { return }
        body.removeAll(keepingCapacity: true)
        let encoding = state.pointee.encodePage(into: &body, levels: &levels)
        let chunk = chunks[c]
        try appendPage(.dataPage, entries: state.pointee.pageEntries, encoding: encoding, column: c, into: &chunk.pages)
        if encoding == .rleDictionary { chunk.dictionaryDataPages += 1 } else { chunk.plainDataPages += 1 }
        chunk.entries += Int64(state.pointee.pageEntries)
        state.pointee.clearPage()
    }

    /// Compresses `body` and appends its page header and compressed bytes to `output`; counts both sizes in the
    /// chunk of column `c`.
    func appendPage(
        _ type: ParquetPageType, entries: Int, encoding: ParquetEncoding, column c: Int, into output: inout [UInt8]
    ) throws {
        compressed.removeAll(keepingCapacity: true)
        try body.withUnsafeBytes { try compressor.compress($0, into: &compressed) }
        guard body.count <= Int32.max, compressed.count <= Int32.max else {
            throw ParquetWriterError.pageTooLarge(column: columns[c].name, bytes: max(body.count, compressed.count))
        }
        var header = ThriftCompactWriter()
        ParquetPageHeader(
            type: type, uncompressedSize: Int32(body.count), compressedSize: Int32(compressed.count),
            valueCount: Int32(entries), encoding: encoding
        ).encode(&header)
        output.append(contentsOf: header.bytes)
        output.append(contentsOf: compressed)
        chunks[c].uncompressedTotal += Int64(header.bytes.count + body.count)
        chunks[c].compressedTotal += Int64(header.bytes.count + compressed.count)
    }

    /// Closes column `c`'s open page and writes its chunk (dictionary page first) at the current offset; returns
    /// its metadata and starts the column's next chunk.
    func writeChunk(_ c: Int) throws -> ParquetColumnChunkMetadata {
        try closePage(c)
        let state = states + c
        let chunk = chunks[c]
        let kind = columns[c].kind
        var dictionaryOffset: Int64?
        var encodingStats: [(ParquetPageType, ParquetEncoding, Int32)] = []
        var encodings = Set<ParquetEncoding>()
        if kind == .string && state.pointee.dictionary.count > 0 {
            body.removeAll(keepingCapacity: true)
            state.pointee.dictionary.appendPlain(into: &body)
            var dictionaryPage: [UInt8] = []
            try appendPage(
                .dictionaryPage, entries: state.pointee.dictionary.count, encoding: .plain, column: c,
                into: &dictionaryPage)
            dictionaryOffset = offset
            try write(dictionaryPage)
            encodingStats.append((.dictionaryPage, .plain, 1))
            encodings.insert(.plain)
            let dictionary = state.pointee.dictionary
            for i in 0..<dictionary.count { dictionary.withValue(i) { state.pointee.statistics.add($0) } }
        }
        let dataOffset = offset
        try chunk.pages.withUnsafeBytes { try sink.write($0) }
        offset += Int64(chunk.pages.count)
        if chunk.dictionaryDataPages > 0 {
            encodingStats.append((.dataPage, .rleDictionary, chunk.dictionaryDataPages))
            encodings.insert(.rleDictionary)
        }
        if chunk.plainDataPages > 0 {
            encodingStats.append((.dataPage, .plain, chunk.plainDataPages))
            encodings.insert(.plain)
        }
        if kind == .int64List { encodings.insert(.rle) }
        let metadata = ParquetColumnChunkMetadata(
            type: columns[c].physicalType, encodings: encodings.sorted(), path: columns[c].path,
            codec: options.compression, valueCount: chunk.entries, totalUncompressedSize: chunk.uncompressedTotal,
            totalCompressedSize: chunk.compressedTotal, dataPageOffset: dataOffset,
            dictionaryPageOffset: dictionaryOffset, statistics: state.pointee.statistics.encoded(kind: kind),
            encodingStats: encodingStats)
        chunk.reset()
        state.pointee.dictionary.removeAll()
        state.pointee.usesDictionary = kind == .string
        state.pointee.memoValid = false
        state.pointee.statistics = ColumnStatistics()
        return metadata
    }

    func writeRowGroup() throws {
        guard rowsInGroup > 0 else { return }
        var metadata: [ParquetColumnChunkMetadata] = []
        metadata.reserveCapacity(columns.count)
        for c in 0..<columns.count { metadata.append(try writeChunk(c)) }
        rowGroups.append(
            ParquetRowGroupMetadata(
                columns: metadata, rowCount: Int64(rowsInGroup), ordinal: Int16(truncatingIfNeeded: rowGroups.count)))
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
                elements.append(
                    ParquetSchemaElement(name: column.name, type: column.physicalType, repetition: .required))
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

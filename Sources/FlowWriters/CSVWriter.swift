import FlowMeter

/// CSV (or, through a `GzipStream`, gzip CSV) in NFStream 6.6.0's text format.
public final class CSVWriter: FlowWriter {
    let sink: ByteSink
    var row = CSVRow(capacity: 1 << 17)
    /// Columns of the schema less `id`: what every record must hold.
    var valuesPerRecord = -1
    /// Rows written so far (the header not counted).
    public private(set) var rowsWritten: UInt64 = 0
    static let flushThreshold = 1 << 16

    /// A writer to `sink` (a file, standard output, or a `GzipStream` in front of one).
    public init(sink: ByteSink) {
        self.sink = sink
    }

    /// Opens `path` (`-` for standard output), gzip-compressed when `gzip` is set.
    public convenience init(path: String, gzip: Bool) throws {
        let file = try FileSink(path: path)
        let sink: ByteSink = gzip ? try GzipStream(output: file) : file
        self.init(sink: sink)
    }

    /// Writes the header line of the schema's column names and remembers how many values each row must have.
    public func begin(schema: FlowSchema) throws {
        valuesPerRecord = schema.columns.count - 1
        row.appendHeader(schema.columnNames)
        try flushIfNeeded(force: false)
    }

    /// Formats one row, flushing to the sink every 64 KiB; throws `rowDoesNotMatchSchema` when its value count is off.
    public func write(_ flowRow: FlowRow) throws {
        guard flowRow.record.valueCount == valuesPerRecord else {
            throw WriterError.rowDoesNotMatchSchema(
                path: sink.path, id: flowRow.id, values: flowRow.record.valueCount + 1, columns: valuesPerRecord + 1)
        }
        flowRow.replay(into: &row)
        row.endRow()
        rowsWritten += 1
        if row.buffer.count >= Self.flushThreshold { try flushIfNeeded(force: true) }
    }

    func flushIfNeeded(force: Bool) throws {
        guard force || row.buffer.count >= Self.flushThreshold, row.buffer.count > 0 else { return }
        try sink.write(row.buffer.bytes)
        row.buffer.removeAll()
    }

    /// Flushes the buffered rows and finishes the sink (a file is renamed to its name).
    public func finish() throws {
        try flushIfNeeded(force: true)
        try sink.finish()
    }

    /// A quiet live link: the rows held in the buffer go out (a reader of `-o -` sees each flow soon after it
    /// expires).
    public func idle() throws {
        try flushIfNeeded(force: true)
    }

    /// Abandons the sink: a file's temporary file is removed.
    public func abandon() {
        sink.abandon()
    }
}

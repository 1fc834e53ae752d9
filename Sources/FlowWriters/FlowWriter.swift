import FlowMeter

/// Writes one row per flow. `begin` comes first with the schema, `finish` last.
public protocol FlowWriter: AnyObject {
    func begin(schema: FlowSchema) throws
    /// Writes `flow` as row number `id`.
    func write(id: UInt64, flow: borrowing Flow, columns: PluginColumns) throws
    /// Writes row number `id` whose other columns were already formatted (as `CSVRow` text ending in CRLF) by a
    /// meter thread.
    func write(id: UInt64, formattedColumns: UnsafeRawBufferPointer) throws
    func finish() throws
    /// Gives up after an error: no output file that looks complete is left behind.
    func abandon()
}

/// CSV (or, through a `GzipStream`, gzip CSV) in NFStream 6.6.0's text format.
public final class CSVWriter: FlowWriter {
    let sink: ByteSink
    let configuration: MeterConfiguration
    var row = CSVRow(capacity: 1 << 17)
    public private(set) var rowsWritten: UInt64 = 0
    static let flushThreshold = 1 << 16

    public init(sink: ByteSink, configuration: MeterConfiguration) {
        self.sink = sink
        self.configuration = configuration
    }

    /// Opens `path` (`-` for standard output), gzip-compressed when `gzip` is set.
    public convenience init(path: String, gzip: Bool, configuration: MeterConfiguration) throws {
        let file = try FileSink(path: path)
        let sink: ByteSink = gzip ? try GzipStream(output: file) : file
        self.init(sink: sink, configuration: configuration)
    }

    public func begin(schema: FlowSchema) throws {
        row.appendHeader(schema.columnNames)
        try flushIfNeeded(force: false)
    }

    public func write(id: UInt64, flow: borrowing Flow, columns: PluginColumns) throws {
        row.appendUnsigned(id)
        flow.writeColumns(to: &row, configuration: configuration)
        columns.write(flow: flow, to: &row)
        row.endRow()
        rowsWritten += 1
        if row.buffer.count >= Self.flushThreshold { try flushIfNeeded(force: true) }
    }

    public func write(id: UInt64, formattedColumns: UnsafeRawBufferPointer) throws {
        row.buffer.appendDecimal(id)
        row.buffer.append(UInt8(ascii: ","))
        row.buffer.append(contentsOf: formattedColumns)
        rowsWritten += 1
        if row.buffer.count >= Self.flushThreshold { try flushIfNeeded(force: true) }
    }

    func flushIfNeeded(force: Bool) throws {
        guard force || row.buffer.count >= Self.flushThreshold, row.buffer.count > 0 else { return }
        try sink.write(row.buffer.bytes)
        row.buffer.removeAll()
    }

    public func finish() throws {
        try flushIfNeeded(force: true)
        try sink.finish()
    }

    public func abandon() {
        sink.abandon()
    }
}

import FlowMeter
import FlowPacket
import FlowWriters

/// Flow rows as a Parquet file: one column per schema column, typed from its ``ColumnType`` (integers INT64,
/// floats DOUBLE, text UTF-8 strings, lists LIST<INT64>, booleans BOOLEAN). Addresses and MACs are the text the
/// CSV writes; doubles are stored bit for bit. Unsigned integers are stored as INT64: no built-in column comes near
/// 2^63, and a plugin's value at or above it reads back as the negative number with the same 64 bits.
public final class ParquetFlowWriter: FlowWriter {
    let sink: ByteSink
    let options: ParquetFileWriter.Options
    var file: ParquetFileWriter?
    var columns: [ParquetColumn] = []
    var valuesPerRecord = -1
    /// Rows written so far (0 before `begin`).
    public var rowsWritten: UInt64 { UInt64(file?.rowCount ?? 0) }

    /// A writer to `sink` with `options`; the file starts (magic number) at `begin(schema:)`.
    public init(sink: ByteSink, options: ParquetFileWriter.Options) {
        self.sink = sink
        self.options = options
    }

    /// Opens `path` (`-` for standard output) under a temporary name until ``finish()``.
    public convenience init(path: String, options: ParquetFileWriter.Options) throws {
        self.init(sink: try FileSink(path: path), options: options)
    }

    /// The Parquet column kind of a flowmeter column type.
    public static func kind(of type: ColumnType) -> ParquetColumnKind {
        switch type {
        case .integer: return .int64
        case .float: return .double
        case .text: return .string
        case .list: return .int64List
        case .boolean: return .boolean
        }
    }

    /// How `flowmeter features` names the Parquet type of a column type.
    public static func typeName(of type: ColumnType) -> String {
        switch kind(of: type) {
        case .int64: return "INT64"
        case .double: return "DOUBLE"
        case .string: return "STRING"
        case .int64List: return "LIST<INT64>"
        case .boolean: return "BOOLEAN"
        }
    }

    /// Maps every schema column to a Parquet column (``kind(of:)``) and starts the file.
    public func begin(schema: FlowSchema) throws {
        columns = schema.columns.map { ParquetColumn(name: $0.name, kind: Self.kind(of: $0.type)) }
        valuesPerRecord = columns.count - 1
        file = try ParquetFileWriter(sink: sink, columns: columns, options: options)
    }

    /// Appends one row's values to their columns; throws when the value count or a value's type does not match.
    public func write(_ row: FlowRow) throws {
        guard let file else { preconditionFailure("write before begin(schema:)") }
        guard row.record.valueCount == valuesPerRecord else {
            throw WriterError.rowDoesNotMatchSchema(
                path: sink.path, id: row.id, values: row.record.valueCount + 1, columns: valuesPerRecord + 1)
        }
        var values = RowSink(writer: self, file: file)
        row.replay(into: &values)
        if let error = values.error {
            if case .mismatch(let column, let got) = error {
                throw ParquetWriterError.valueDoesNotFitColumn(
                    path: sink.path, row: row.id, column: columns[column].name,
                    expected: Self.describe(columns[column].kind), got: got)
            }
            if case .failed(let underlying) = error { throw underlying }
        }
        try file.endRow()
    }

    /// Writes the last row group and the footer, then finishes the sink (a file is renamed to its name).
    public func finish() throws {
        guard let file else { preconditionFailure("finish before begin(schema:)") }
        try file.finish()
    }

    /// Gives up the file: its temporary file is removed.
    public func abandon() {
        if let file { file.abandon() } else { sink.abandon() }
    }

    static func describe(_ kind: ParquetColumnKind) -> String {
        switch kind {
        case .int64: return "an integer"
        case .double: return "a float"
        case .boolean: return "a boolean"
        case .string: return "text"
        case .int64List: return "a list"
        }
    }

    enum RowError {
        case mismatch(column: Int, got: String)
        case failed(any Error)
    }

    /// Routes a row's values to their columns, checking each against its column's kind.
    struct RowSink: FlowFieldSink {
        unowned(unsafe) let writer: ParquetFlowWriter
        unowned(unsafe) let file: ParquetFileWriter
        let states: UnsafeMutablePointer<ColumnState>
        let columnCount: Int
        var column = 0
        var error: RowError?

        init(writer: ParquetFlowWriter, file: ParquetFileWriter) {
            self.writer = writer
            self.file = file
            states = file.states
            columnCount = file.columns.count
        }

        /// The next column's state, or nil after an error (the rest of the row is skipped).
        @inline(__always)
        mutating func next() -> UnsafeMutablePointer<ColumnState>? {
            let c = column
            column &+= 1
            guard error == nil, c < columnCount else { return nil }
            return states + c
        }

        mutating func mismatch(_ state: UnsafeMutablePointer<ColumnState>, _ got: String) {
            error = .mismatch(column: state - states, got: got)
        }

        @inline(__always)
        mutating func integer(_ value: Int64, asDouble: Double, name: String) {
            guard let state = next() else { return }
            switch state.pointee.kind {
            case .int64: state.pointee.appendInt64(value)
            case .double: state.pointee.appendDouble(asDouble)
            case .boolean: state.pointee.appendBoolean(value != 0)
            default: mismatch(state, name)
            }
        }

        mutating func appendUnsigned(_ value: UInt64) {
            integer(Int64(bitPattern: value), asDouble: Double(value), name: "an unsigned integer")
        }

        mutating func appendSigned(_ value: Int64) {
            integer(value, asDouble: Double(value), name: "a signed integer")
        }

        mutating func appendDouble(_ value: Double) {
            guard let state = next() else { return }
            guard state.pointee.kind == .double else { return mismatch(state, "a float") }
            state.pointee.appendDouble(value)
        }

        mutating func appendAddress(_ address: IPAddress) {
            text(key: (address.high, address.low ^ UInt64(address.version) << 56)) { out in address.write(into: &out) }
        }

        mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) {
            text(key: (mac.value, 0)) { out in mac.write(into: &out, ouiOnly: ouiOnly) }
        }

        /// A value written as text from a raw `key` (an address, a MAC): the previous row's dictionary entry when
        /// the key is the same, else the text `format` writes.
        @inline(__always)
        mutating func text(key: (UInt64, UInt64), _ format: (inout StackText) -> Void) {
            guard let state = next() else { return }
            guard state.pointee.kind == .string else { return mismatch(state, "text") }
            if state.pointee.appendMemo(key) { return }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: StackText.capacity) { buffer in
                var out = StackText(base: buffer.baseAddress!)
                format(&out)
                do {
                    try file.appendString(state: state, UnsafeRawBufferPointer(start: out.base, count: out.count))
                    state.pointee.setMemo(key)
                } catch {
                    self.error = .failed(error)
                }
            }
        }

        mutating func appendText(_ text: String) {
            var text = text
            text.withUTF8 { appendUTF8(UnsafeRawBufferPointer($0)) }
        }

        mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer) {
            guard let state = next() else { return }
            guard state.pointee.kind == .string else { return mismatch(state, "text") }
            do {
                try file.appendString(state: state, utf8)
            } catch {
                self.error = .failed(error)
            }
        }

        mutating func appendList<Values: Collection>(_ values: Values)
        where Values.Element: FixedWidthInteger & SignedInteger {
            guard let state = next() else { return }
            guard state.pointee.kind == .int64List else { return mismatch(state, "a list") }
            state.pointee.appendList(values)
        }
    }
}

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
    /// Text of the address or MAC being written.
    var scratch: [UInt8] = []
    public var rowsWritten: UInt64 { UInt64(file?.rowCount ?? 0) }

    public init(sink: ByteSink, options: ParquetFileWriter.Options) {
        self.sink = sink
        self.options = options
        scratch.reserveCapacity(64)
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

    public func begin(schema: FlowSchema) throws {
        columns = schema.columns.map { ParquetColumn(name: $0.name, kind: Self.kind(of: $0.type)) }
        valuesPerRecord = columns.count - 1
        file = try ParquetFileWriter(sink: sink, columns: columns, options: options)
    }

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

    public func finish() throws {
        guard let file else { preconditionFailure("finish before begin(schema:)") }
        try file.finish()
    }

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
        let writer: ParquetFlowWriter
        let file: ParquetFileWriter
        var column = 0
        var error: RowError?

        init(writer: ParquetFlowWriter, file: ParquetFileWriter) {
            self.writer = writer
            self.file = file
        }

        @inline(__always)
        mutating func next() -> (Int, ParquetColumnKind)? {
            let c = column
            column &+= 1
            guard error == nil else { return nil }
            return (c, writer.columns[c].kind)
        }

        /// Runs `body`, turning its error into a ``RowError``.
        @inline(__always)
        static func attempt(_ body: () throws -> Void) -> RowError? {
            do {
                try body()
                return nil
            } catch {
                return .failed(error)
            }
        }

        mutating func integer(_ value: Int64, asDouble: Double, name: String) {
            guard let (c, kind) = next() else { return }
            switch kind {
            case .int64: error = Self.attempt { [file] in try file.appendInt64(column: c, value) }
            case .double: error = Self.attempt { [file] in try file.appendDouble(column: c, asDouble) }
            case .boolean: error = Self.attempt { [file] in try file.appendBoolean(column: c, value != 0) }
            default: error = .mismatch(column: c, got: name)
            }
        }

        mutating func appendUnsigned(_ value: UInt64) {
            integer(Int64(bitPattern: value), asDouble: Double(value), name: "an unsigned integer")
        }

        mutating func appendSigned(_ value: Int64) {
            integer(value, asDouble: Double(value), name: "a signed integer")
        }

        mutating func appendDouble(_ value: Double) {
            guard let (c, kind) = next() else { return }
            guard kind == .double else {
                error = .mismatch(column: c, got: "a float")
                return
            }
            error = Self.attempt { [file] in try file.appendDouble(column: c, value) }
        }

        mutating func text(_ fill: (inout [UInt8]) -> Void) {
            guard let (c, kind) = next() else { return }
            guard kind == .string else {
                error = .mismatch(column: c, got: "text")
                return
            }
            writer.scratch.removeAll(keepingCapacity: true)
            fill(&writer.scratch)
            error = Self.attempt { [file, writer] in try writer.scratch.withUnsafeBytes { try file.appendString(column: c, $0) } }
        }

        mutating func appendAddress(_ address: IPAddress) {
            text { address.write(into: &$0) }
        }

        mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) {
            text { out in
                for i in 0..<(ouiOnly ? 3 : 6) {
                    if i != 0 { out.append(UInt8(ascii: ":")) }
                    let byte = UInt8(truncatingIfNeeded: mac.value >> UInt64((5 - i) * 8))
                    let hi = byte >> 4
                    let lo = byte & 0xF
                    out.append(hi < 10 ? 48 &+ hi : 87 &+ hi)
                    out.append(lo < 10 ? 48 &+ lo : 87 &+ lo)
                }
            }
        }

        mutating func appendText(_ text: String) {
            var text = text
            text.withUTF8 { appendUTF8(UnsafeRawBufferPointer($0)) }
        }

        mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer) {
            guard let (c, kind) = next() else { return }
            guard kind == .string else {
                error = .mismatch(column: c, got: "text")
                return
            }
            error = Self.attempt { [file] in try file.appendString(column: c, utf8) }
        }

        mutating func appendList<Values: Collection>(_ values: Values)
        where Values.Element: FixedWidthInteger & SignedInteger {
            guard let (c, kind) = next() else { return }
            guard kind == .int64List else {
                error = .mismatch(column: c, got: "a list")
                return
            }
            error = Self.attempt { [file] in try file.appendList(column: c, values.lazy.map { Int64($0) }) }
        }
    }
}

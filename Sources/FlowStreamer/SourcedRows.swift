import FlowMeter
import FlowWriters

/// The rows of one input of an each-file conversion on their way to the run's writer: the input's name goes in as
/// the `source` column right after `id` (one copy of the record, no decoding), and the rows are numbered on from
/// `firstID`. The run's writer is begun, finished and abandoned by the each-file run, once for every input it
/// receives, so here `begin` only checks the schema and `finish` and `abandon` do nothing.
final class SourcedRows: FlowWriter {
    let target: FlowWriter
    let source: String
    /// The id of the next row.
    private(set) var nextID: UInt64
    let firstID: UInt64
    private var buffer = FlowRecordBuffer(capacity: 1 << 12)

    init(target: FlowWriter, source: String, firstID: UInt64) {
        self.target = target
        self.source = source
        self.firstID = firstID
        self.nextID = firstID
    }

    /// Rows written through this input so far.
    var rows: UInt64 { nextID - firstID }

    func begin(schema: FlowSchema) throws {}

    func write(_ row: FlowRow) throws {
        try write(row.record)
    }

    /// Writes one record of the input (every column but `id` and `source`).
    func write(_ record: FlowRecord) throws {
        buffer.removeAll()
        buffer.beginRecord()
        buffer.appendText(source)
        buffer.appendValues(of: record)
        let range = buffer.endRecord()
        try target.write(FlowRow(id: nextID, record: buffer.record(at: range)))
        nextID += 1
    }

    func finish() throws {}

    func abandon() {}

    func idle() throws { try target.idle() }
}

import FlowPacket

/// One row leaving the output stage: the `id` the stage gave it, and the flow's other values.
public struct FlowRow {
    /// The flow's number in output order, from 0 (the schema's first column).
    public var id: UInt64
    /// Every other column, in schema order.
    public var record: FlowRecord

    /// A row numbered `id` with the values of `record`.
    @inlinable
    public init(id: UInt64, record: FlowRecord) {
        self.id = id
        self.record = record
    }

    /// Every column in schema order, `id` first: `appendUnsigned(id)` and the record's calls.
    @inlinable
    public func replay<Sink: FlowFieldSink>(into sink: inout Sink) {
        sink.appendUnsigned(id)
        record.replay(into: &sink)
    }
}

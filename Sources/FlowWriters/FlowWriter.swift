import FlowMeter

/// Writes one row per flow. `begin` comes first with the schema, then `write` once per row in output order, then
/// `finish`; or `abandon` after an error. Rows arrive typed (``FlowRow``: the `id` and a ``FlowRecord`` of the other
/// values in schema order) and the writer formats them; no writer may assume another's format. All calls come from
/// one thread at a time (the output stage's).
public protocol FlowWriter: AnyObject {
    func begin(schema: FlowSchema) throws
    /// Writes one row. The row borrows its bytes: copy what must outlive the call.
    func write(_ row: FlowRow) throws
    /// Makes the output complete (for a file: renamed to its name).
    func finish() throws
    /// Gives up after an error: no output file that looks complete is left behind.
    func abandon()
    /// Called from time to time when no row has come for a while (about every 0.1 s of a quiet live capture),
    /// from the thread that writes rows: a writer that holds rows back (IPFIX messages) sends them (default:
    /// nothing).
    func idle() throws
}

extension FlowWriter {
    /// Default: nothing to send.
    public func idle() throws {}
}

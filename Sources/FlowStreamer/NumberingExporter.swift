#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowPacket
import FlowWriters

/// Encodes each flow leaving the meter as a typed record, numbers it and hands it to the writer on the same
/// thread; keeps the first write error.
final class NumberingExporter: FlowExporter {
    let writer: FlowWriter
    let configuration: MeterConfiguration
    var records = FlowRecordBuffer(capacity: 1 << 12)
    var nextID: UInt64 = 0
    var error: Error? = nil

    init(writer: FlowWriter, configuration: MeterConfiguration) {
        self.writer = writer
        self.configuration = configuration
    }

    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) {
        guard error == nil else { return }
        records.removeAll()
        let range = records.append(flow, columns: columns, configuration: configuration)
        do {
            try writer.write(FlowRow(id: nextID, record: records.record(at: range)))
            nextID += 1
        } catch {
            self.error = error
        }
    }

    /// Lets the writer send what it buffers (a live capture's quiet moments).
    func idle() {
        guard error == nil else { return }
        do {
            try writer.idle()
        } catch {
            self.error = error
        }
    }
}

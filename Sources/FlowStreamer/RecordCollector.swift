import FlowMeter
import FlowPacket
import FlowWriters
import Synchronization

/// The exporter of a meter thread: encodes every expiring flow as a typed record into the current batch, and sends
/// the batch on when it is full (a scan that expires thousands of flows sends several).
final class RecordCollector: FlowExporter {
    let configuration: MeterConfiguration
    unowned let worker: MeterWorker
    @exclusivity(unchecked) var current: RecordBatch

    init(worker: MeterWorker, batch: RecordBatch) {
        configuration = worker.configuration
        self.worker = worker
        current = batch
    }

    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) {
        current.records.append(flow, columns: columns, configuration: configuration)
        current.keys.append(FlowOrderKey(event: event, lastPacket: flow.lastPacketIndex))
        if current.records.count >= MeterWorker.recordBatchBytes { worker.send(self) }
    }
}

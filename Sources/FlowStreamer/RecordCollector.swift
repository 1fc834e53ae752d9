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
    /// Whether a full batch waits for room in the output ring (meter threads) or, when the ring is full, keeps
    /// growing until the next publication (the reading thread's lane, which must not wait mid-batch).
    let waitsForRoom: Bool

    init(worker: MeterWorker, batch: RecordBatch, waitsForRoom: Bool = true) {
        configuration = worker.configuration
        self.worker = worker
        current = batch
        self.waitsForRoom = waitsForRoom
    }

    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) {
        current.records.append(flow, columns: columns, configuration: configuration)
        current.keys.append(FlowOrderKey(event: event, lastPacket: flow.lastPacketIndex))
        if current.records.count >= MeterWorker.recordBatchBytes {
            if waitsForRoom { worker.send(self) } else { worker.trySend(self) }
        }
    }
}

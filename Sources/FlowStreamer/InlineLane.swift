import FlowMeter
import FlowPacket
import FlowWriters

/// A meter on the reading thread, next to the meter threads (offline input with two or more meters).
///
/// On a machine with as many cores as meters, a reading thread that only decodes and routes leaves part of its core
/// idle while it waits for meters, and the meter threads share the remaining cores with it. So the reader meters a
/// few shards itself, straight from libpcap's buffer (no copy of the frame), and the meter threads the rest. Shards,
/// not threads, decide the output, so the rows are the same whichever thread meters a shard.
///
/// The lane hands its records to the output stage through its worker's rings and publishes its worker's watermark,
/// exactly as a meter thread does, with one rule that keeps the pipeline free of deadlock: the lane waits for room in
/// its output ring only in ``publish(watermark:)``, which the dispatcher calls after it has sent every meter thread
/// its batch up to the same packet. Mid-batch (a scan expiring thousands of flows), the lane hands a batch on only
/// when the ring has room, and otherwise lets it grow.
final class InlineLane {
    /// The rings and watermark the output stage reads (its thread is never started).
    let worker: MeterWorker
    @exclusivity(unchecked) var meter: Meter
    let collector: RecordCollector

    /// Makes the lane's meter on the calling thread (the reading thread), as the meter threads make theirs.
    init(worker: MeterWorker) {
        self.worker = worker
        meter = worker.makeMeter()
        collector = RecordCollector(worker: worker, batch: RecordBatch(), waitsForRoom: false)
    }

    /// Meters one packet of one of the lane's shards.
    @inline(__always)
    func process(_ packet: DecodedPacket, frame: UnsafeRawBufferPointer, hash: UInt64, index: UInt64) {
        meter.processRouted(packet, frame: frame, key: FlowKey(packet), hash: hash, index: index, exporter: collector)
    }

    /// Expires the lane's idle flows at a scan tick after packet `index`.
    @inline(__always)
    func expireIdle(clock: UInt64, index: UInt64) {
        meter.expireIdle(clock: clock, eventIndex: index, exporter: collector)
    }

    /// Hands every record so far to the output stage (waiting for room) and promises that later records come at or
    /// after `watermark`. Call only once every meter thread has been sent the packets before `watermark`.
    func publish(watermark: UInt64) {
        worker.publish(collector, flows: meter.table.count, watermark: watermark)
    }

    /// Ends the input: flushes the table and hands the last batch, as a meter thread does.
    func finish() {
        worker.finish(&meter, collector)
    }
}

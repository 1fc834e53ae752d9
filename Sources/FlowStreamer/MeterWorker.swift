import FlowMeter
import FlowPacket
import FlowWriters
import Synchronization

/// A meter on its own thread: owns the shards routed to it and encodes the flows it expires as typed records.
///
/// Four rings connect it: packet batches come in on `input` and go back to the dispatcher on `free`; record
/// batches go to the output stage on `output` (the meter waits while it is full) and come back on `recycled`.
/// After each input batch the meter publishes its `watermark` (every later record has an order key at or past
/// it), once every earlier record is on `output`.
final class MeterWorker: @unchecked Sendable {
    let input: SPSCRing<PacketBatch>
    let free: SPSCRing<PacketBatch>
    /// Batches queued on `input`, or free on `free`, before the waiting side is woken: two. (Waking it at half the
    /// pool left its core idle while the other side filled or emptied the rest; measured on two cores.)
    let refill: Int
    let output = SPSCRing<RecordBatch>(capacity: 8)
    let recycled = SPSCRing<RecordBatch>(capacity: 16)
    let watermark = Atomic<UInt64>(0)
    /// Flows in this meter's table after its latest batch (for progress lines and live statistics).
    let activeFlows = Atomic<Int>(0)
    let configuration: MeterConfiguration
    let plugins: [any FeaturePlugin]
    /// Meters are made on their own threads, so that making one (an nDPI module takes some 15 ms of CPU) overlaps
    /// the reading, one at a time under this lock; the meter is handed back to the worker when the thread ends, so
    /// it is freed by the thread that joins it. (Plugin stores share state across meters, e.g. nDPI's pool of idle
    /// modules, behind locks ThreadSanitizer cannot see: this lock orders those accesses where it can.)
    let makingMeters: ThreadLock
    private var meter: Meter?
    /// Where this meter sleeps while it has no input; the dispatcher wakes it.
    let parker = Parker()
    /// The dispatcher's and the output stage's: woken when a batch comes free, and at the end.
    let dispatcher: Parker
    let outputStage: Parker
    /// Record bytes after which a batch is sent at once, mid-input-batch (a scan that expires thousands of flows
    /// would otherwise grow one batch, and keep it grown through recycling).
    static let recordBatchBytes = 1 << 17

    init(
        configuration: MeterConfiguration, plugins: [any FeaturePlugin], poolSize: Int, dispatcher: Parker,
        outputStage: Parker, makingMeters: ThreadLock
    ) {
        self.configuration = configuration
        self.plugins = plugins
        self.makingMeters = makingMeters
        self.dispatcher = dispatcher
        self.outputStage = outputStage
        input = SPSCRing(capacity: poolSize)
        free = SPSCRing(capacity: poolSize)
        refill = min(2, max(1, poolSize / 2))
    }

    /// The thread's body: meter every batch until the last one, then flush the table.
    func run() {
        var meter = makeMeter()
        let collector = RecordCollector(worker: self, batch: RecordBatch())
        while true {
            let batch = waitFor(parker, until: { !input.isEmpty }, take: { input.tryPop() })
            let items = batch.items.base
            let frames = batch.frames.bytes.baseAddress
            let ticks = batch.ticks.base
            let tickCount = batch.ticks.count
            var t = 0
            for i in 0..<batch.count {
                let item = items + i
                // A tick after packet k runs before every later packet.
                while t < tickCount && ticks[t].index < item.pointee.index {
                    meter.expireIdle(clock: ticks[t].clock, eventIndex: ticks[t].index, exporter: collector)
                    t += 1
                }
                let frame = UnsafeRawBufferPointer(
                    start: item.pointee.frameLength > 0 ? frames.map { $0 + Int(item.pointee.frameStart) } : nil,
                    count: Int(item.pointee.frameLength))
                meter.processRouted(
                    item.pointee.packet, frame: frame, key: FlowKey(item.pointee.packet),
                    hash: item.pointee.hash, index: item.pointee.index, exporter: collector)
            }
            while t < tickCount {
                meter.expireIdle(clock: ticks[t].clock, eventIndex: ticks[t].index, exporter: collector)
                t += 1
            }
            let last = batch.isLast
            let batchWatermark = batch.watermark
            batch.clear()
            if !last {
                let pushed = free.tryPush(batch)
                assert(pushed, "a meter's free ring holds its whole pool")
                // The dispatcher, when it waits for this meter, waits for several free batches (fewer wake-ups).
                if free.count >= refill { dispatcher.unpark() }
            }
            if last {
                finish(&meter, collector)
                // Back to the worker: the meter (and its nDPI modules) is freed by the thread that joins this one.
                self.meter = consume meter
                return
            }
            publish(collector, flows: meter.table.count, watermark: batchWatermark)
        }
    }

    /// A meter for this worker, made on the calling thread, one at a time (`makingMeters`).
    func makeMeter() -> Meter {
        makingMeters.withLock { Meter(configuration: configuration, plugins: plugins, initialCapacity: 1024) }
    }

    /// After a batch: hands the collector's records to the output stage (waiting for room) and promises that later
    /// records come at or after `mark`.
    func publish(_ collector: RecordCollector, flows: Int, watermark mark: UInt64) {
        send(collector)
        activeFlows.store(flows, ordering: .relaxed)
        watermark.store(mark, ordering: .releasing)
    }

    /// At the end of the input: flushes the table, hands the last batch with the meter's counters, and wakes the
    /// output stage.
    func finish(_ meter: inout Meter, _ collector: RecordCollector) {
        activeFlows.store(meter.table.count, ordering: .relaxed)
        meter.flush(exporter: collector)
        meter.cleanupPlugins()
        collector.current.isLast = true
        collector.current.statistics = meter.statistics
        hand(collector.current)
        watermark.store(.max, ordering: .releasing)
        outputStage.unpark()
    }

    /// Sends the collector's batch to the output stage, if it holds records, waiting while the output ring is full.
    ///
    /// Waiting cannot deadlock: the output stage can always write its earliest pending row once every other meter
    /// has passed that row's input position, and every other meter can get there on its own, because the
    /// dispatcher hands out each batch of packets and ticks to all meters at once. So a meter that produces faster
    /// than the output stage writes (a scan that expires a whole table) is held back, and memory stays bounded.
    func send(_ collector: RecordCollector) {
        if collector.current.isEmpty { return }
        hand(collector.current)
        collector.current = nextRecordBatch()
    }

    /// Sends the collector's batch to the output stage if the output ring has room now; otherwise the batch stays
    /// the collector's, to grow (the reading thread's lane, mid-batch).
    func trySend(_ collector: RecordCollector) {
        if collector.current.isEmpty || !output.tryPush(collector.current) { return }
        collector.current = nextRecordBatch()
    }

    /// Pushes `batch` on `output`, parked while the ring is full (the output stage wakes a meter whose full ring it
    /// drained).
    func hand(_ batch: RecordBatch) {
        waitFor(
            parker, timeoutMicroseconds: 1000, until: { !output.isFull }, take: { output.tryPush(batch) ? () : nil })
    }

    func nextRecordBatch() -> RecordBatch {
        while let reused = recycled.tryPop() {
            // A batch that grew far past the usual size (a flush of the whole table) is freed, not kept.
            if reused.records.bytesReserved > 4 * Self.recordBatchBytes { continue }
            reused.clear()
            return reused
        }
        return RecordBatch()
    }
}

import FlowMeter
import FlowPacket
import Synchronization

/// One packet routed to a meter thread.
struct RoutedPacket {
    var packet: DecodedPacket
    var hash: UInt64
    var index: UInt64
    /// The frame's bytes in the batch's frame arena (copied only when a plugin reads packet bytes).
    var frameStart: Int32
    var frameLength: Int32
}

/// An idle scan at `clock`, after packet `index` (broadcast to every meter).
struct ScanTick {
    var index: UInt64
    var clock: UInt64
}

/// A batch of routed packets and scan ticks for one meter thread, each in input order. Batches belong to their
/// meter's pool: the dispatcher fills one, the meter empties it and hands it back, so their memory (which grows to
/// the largest batch seen) is reused and nothing is allocated per packet. `watermark`: every packet with a smaller
/// index has been sent.
final class PacketBatch: @unchecked Sendable {
    @exclusivity(unchecked) private(set) var items: UnsafeMutablePointer<RoutedPacket>
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var itemCapacity: Int
    @exclusivity(unchecked) private(set) var frames: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var frameBytes = 0
    @exclusivity(unchecked) private var frameCapacity: Int
    @exclusivity(unchecked) private(set) var ticks: UnsafeMutablePointer<ScanTick>
    @exclusivity(unchecked) private(set) var tickCount = 0
    @exclusivity(unchecked) private var tickCapacity = 64
    var watermark: UInt64 = 0
    var isLast = false

    init(items: Int, frameBytes: Int) {
        itemCapacity = max(items, 16)
        self.items = .allocate(capacity: itemCapacity)
        frameCapacity = max(frameBytes, 1024)
        frames = .allocate(byteCount: frameCapacity, alignment: 16)
        ticks = .allocate(capacity: tickCapacity)
    }

    deinit {
        items.deallocate()
        frames.deallocate()
        ticks.deallocate()
    }

    /// Appends a packet (with a copy of `frame` when `frame` is not empty).
    @inline(__always)
    func append(_ packet: DecodedPacket, hash: UInt64, index: UInt64, frame: UnsafeRawBufferPointer) {
        if count == itemCapacity { growItems() }
        var start = 0
        if let source = frame.baseAddress, frame.count > 0 {
            if frameBytes + frame.count > frameCapacity { growFrames(minimum: frameBytes + frame.count) }
            start = frameBytes
            (frames + start).copyMemory(from: source, byteCount: frame.count)
            frameBytes += frame.count
        }
        (items + count).initialize(
            to: RoutedPacket(
                packet: packet, hash: hash, index: index, frameStart: Int32(truncatingIfNeeded: start),
                frameLength: Int32(truncatingIfNeeded: frame.count)))
        count += 1
    }

    /// Whether `bytes` more frame bytes fit without growing the frame arena.
    @inline(__always)
    func hasRoom(forFrame bytes: Int) -> Bool { frameBytes + bytes <= frameCapacity }

    /// Appends a scan tick after packet `index` at `clock`.
    @inline(__always)
    func appendTick(clock: UInt64, index: UInt64) {
        if tickCount == tickCapacity {
            let grown = UnsafeMutablePointer<ScanTick>.allocate(capacity: tickCapacity * 2)
            grown.moveInitialize(from: ticks, count: tickCount)
            ticks.deallocate()
            ticks = grown
            tickCapacity *= 2
        }
        (ticks + tickCount).initialize(to: ScanTick(index: index, clock: clock))
        tickCount += 1
    }

    /// Forgets the content, keeping the memory.
    func clear() {
        count = 0
        frameBytes = 0
        tickCount = 0
        isLast = false
    }

    private func growItems() {
        let grown = UnsafeMutablePointer<RoutedPacket>.allocate(capacity: itemCapacity * 2)
        grown.moveInitialize(from: items, count: count)
        items.deallocate()
        items = grown
        itemCapacity *= 2
    }

    private func growFrames(minimum: Int) {
        var capacity = frameCapacity * 2
        while capacity < minimum { capacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        grown.copyMemory(from: frames, byteCount: frameBytes)
        frames.deallocate()
        frames = grown
        frameCapacity = capacity
    }
}

/// The typed records of the flows a meter expired, each with its place in the output order, on their way to the
/// output stage. Reused through the meter's recycling ring.
final class RecordBatch: @unchecked Sendable {
    /// The records, back to back.
    @exclusivity(unchecked) var records = FlowRecordBuffer(capacity: 1 << 14)
    /// One order key per record.
    @exclusivity(unchecked) var keys: [FlowOrderKey] = []
    /// The meter's last batch: its statistics come with it.
    var isLast = false
    var statistics = MeterStatistics()

    init() { keys.reserveCapacity(64) }

    var isEmpty: Bool { keys.isEmpty }

    func clear() {
        records.removeAll()
        keys.removeAll(keepingCapacity: true)
        isLast = false
    }
}

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

/// A meter on its own thread: owns the shards routed to it and encodes the flows it expires as typed records.
///
/// Four rings connect it: packet batches come in on `input` and go back to the dispatcher on `free`; record
/// batches go to the output stage on `output` (the meter waits while it is full) and come back on `recycled`.
/// After each input batch the meter publishes its `watermark` (every later record has an order key at or past
/// it), once every earlier record is on `output`.
final class MeterWorker: @unchecked Sendable {
    let input: SPSCRing<PacketBatch>
    let free: SPSCRing<PacketBatch>
    /// Batches queued on `input`, or free on `free`, before the waiting side is woken: half the pool.
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
        refill = max(1, poolSize / 2)
    }

    /// The thread's body: meter every batch until the last one, then flush the table.
    func run() {
        var meter = makingMeters.withLock {
            Meter(configuration: configuration, plugins: plugins, initialCapacity: 1024)
        }
        let collector = RecordCollector(worker: self, batch: RecordBatch())
        while true {
            let batch = waitFor(parker) { input.tryPop() }
            let items = batch.items
            let frames = batch.frames
            let ticks = batch.ticks
            let tickCount = batch.tickCount
            var t = 0
            for i in 0..<batch.count {
                let item = items + i
                // A tick after packet k runs before every later packet.
                while t < tickCount && ticks[t].index < item.pointee.index {
                    meter.expireIdle(clock: ticks[t].clock, eventIndex: ticks[t].index, exporter: collector)
                    t += 1
                }
                let frame = UnsafeRawBufferPointer(
                    start: item.pointee.frameLength > 0 ? frames + Int(item.pointee.frameStart) : nil,
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
            activeFlows.store(meter.table.count, ordering: .relaxed)
            if last {
                meter.flush(exporter: collector)
                meter.cleanupPlugins()
                collector.current.isLast = true
                collector.current.statistics = meter.statistics
                waitFor(parker, timeoutMicroseconds: 1000) { output.tryPush(collector.current) ? () : nil }
                watermark.store(.max, ordering: .releasing)
                outputStage.unpark()
                // Back to the worker: the meter (and its nDPI modules) is freed by the thread that joins this one.
                self.meter = meter
                return
            }
            send(collector)
            watermark.store(batchWatermark, ordering: .releasing)
        }
    }

    /// Sends the collector's batch to the output stage, if it holds records, waiting while the output ring is full.
    ///
    /// Waiting cannot deadlock: the output stage can always write its earliest pending row once every other meter
    /// has passed that row's input position, and every other meter can get there on its own, because the
    /// dispatcher hands out each batch of packets and ticks to all meters at once. So a meter that produces faster
    /// than the output stage writes (a scan that expires a whole table) is held back, and memory stays bounded.
    func send(_ collector: RecordCollector) {
        if collector.current.isEmpty { return }
        waitFor(parker, timeoutMicroseconds: 1000) { output.tryPush(collector.current) ? () : nil }
        collector.current = nextRecordBatch()
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

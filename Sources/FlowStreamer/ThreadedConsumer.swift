#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowPacket
import FlowWriters

/// The dispatcher, on the reading thread: clamps time, numbers packets, routes each to the meter thread owning its
/// shard and broadcasts scan ticks. The meters hand typed records to the output stage, on a thread of its own.
/// Offline input never drops: when a meter's batches are all in use the reader waits for one. Live input never
/// waits: the packets of a batch that has no free successor are dropped and counted.
struct ThreadedConsumer: PacketConsumer {
    let configuration: MeterConfiguration
    /// The idle-scan interval in ticks of the time unit (read per packet: computed once).
    let scanTicks: UInt64
    let workers: [MeterWorker]
    let meterThreads: [pthread_t]
    let output: OutputStage
    let outputThread: pthread_t
    /// Where the reading thread sleeps while a meter has no free batch.
    let parker = Parker()
    /// Every packet batch of every meter's pool, which keeps them alive; `filling` holds, unretained, the one being
    /// filled for each meter, so routing a packet costs no reference counting.
    let pool: [PacketBatch]
    let filling: UnsafeMutablePointer<Unmanaged<PacketBatch>>
    /// The meter that owns each shard of the flow table.
    let meterOfShard: [Int]
    var clock: UInt64 = 0
    var lastScan: UInt64 = 0
    var index: UInt64 = 0
    var sinceFlush = 0
    /// Live capture: never wait for a meter; drop the batch and count its packets.
    let dropWhenFull: Bool
    var droppedRingFull: UInt64 = 0
    /// Whether frames are copied to the meter threads (a plugin reads packet bytes).
    let copyFrames: Bool
    /// Packets routed between two hand-offs (all meters' batches are sent together, carrying the watermark).
    static let batchPackets = 512
    /// Packet batches per meter: how far the reader may run ahead of a meter.
    static let poolSize = 8
    static let livePoolSize = 32
    /// Frame bytes a packet batch holds (when plugins read packet bytes).
    static let frameArenaBytes = 1 << 17

    init(
        configuration: MeterConfiguration, plugins: [any FeaturePlugin], writer: FlowWriter, threads count: Int,
        dropWhenFull: Bool = false
    ) {
        self.configuration = configuration
        scanTicks = configuration.scanIntervalTicks
        self.dropWhenFull = dropWhenFull
        copyFrames = plugins.contains { $0.needsPacketBytes }
        let pool = dropWhenFull ? Self.livePoolSize : Self.poolSize
        let perMeter = Self.batchPackets / count + Self.batchPackets / 8 + 16
        let frameBytes = copyFrames ? Self.frameArenaBytes : 0
        let outputParker = Parker()
        let dispatcherParker = parker
        let makingMeters = ThreadLock()
        workers = (0..<count).map { _ in
            MeterWorker(
                configuration: configuration, plugins: plugins, poolSize: pool, dispatcher: dispatcherParker,
                outputStage: outputParker, makingMeters: makingMeters)
        }
        var batches: [PacketBatch] = []
        filling = .allocate(capacity: count)
        for (m, worker) in workers.enumerated() {
            let first = PacketBatch(items: perMeter, frameBytes: frameBytes)
            batches.append(first)
            (filling + m).initialize(to: .passUnretained(first))
            for _ in 1..<pool {
                let batch = PacketBatch(items: perMeter, frameBytes: frameBytes)
                batches.append(batch)
                _ = worker.free.tryPush(batch)
            }
        }
        self.pool = batches
        meterOfShard = (0..<FlowTable.shardCount).map { $0 % count }
        output = OutputStage(workers: workers, writer: writer, parker: outputParker)
        meterThreads = workers.map { worker in startThread { worker.run() } }
        let stage = output
        outputThread = startThread { stage.run() }
    }

    @inline(__always)
    mutating func consume(_ packet: inout DecodedPacket, frame: UnsafeRawBufferPointer) {
        if packet.time > clock { clock = packet.time } else { packet.time = clock }
        let hash = FlowKey(packet).hashValue64
        let m = meterOfShard[FlowTable.shard(of: hash)]
        let copied = copyFrames ? frame : UnsafeRawBufferPointer(start: nil, count: 0)
        if copyFrames && !filling[m]._withUnsafeGuaranteedRef({ $0.hasRoom(forFrame: frame.count) }) {
            // Frame arenas keep a fixed size (large frames would otherwise grow every batch of the pool for good):
            // a full one sends every batch now.
            flush(last: false)
        }
        filling[m]._withUnsafeGuaranteedRef { $0.append(packet, hash: hash, index: index, frame: copied) }
        if clock &- lastScan >= scanTicks {
            lastScan = clock
            broadcastTick(clock: clock, index: index)
        }
        index &+= 1
        sinceFlush &+= 1
        if sinceFlush >= Self.batchPackets { flush(last: false) }
    }

    func broadcastTick(clock: UInt64, index: UInt64) {
        for m in 0..<workers.count { filling[m]._withUnsafeGuaranteedRef { $0.appendTick(clock: clock, index: index) } }
    }

    /// Sends every meter its batch (even an empty one, to carry the watermark) and takes a free one in its place.
    mutating func flush(last: Bool) {
        sinceFlush = 0
        for (m, worker) in workers.enumerated() {
            let batch = filling[m].takeUnretainedValue()
            batch.watermark = index
            batch.isLast = last
            if last {
                send(batch, to: worker)
                continue
            }
            if dropWhenFull {
                guard let next = worker.free.tryPop() else {
                    droppedRingFull &+= UInt64(batch.count)
                    batch.clear()
                    continue
                }
                send(batch, to: worker)
                filling[m] = .passUnretained(next)
            } else {
                send(batch, to: worker)
                filling[m] = .passUnretained(nextFreeBatch(of: worker))
            }
        }
    }

    /// Hands `batch` to its meter (its input ring holds the whole pool, so there is always room). A parked meter is
    /// woken once half its pool is queued (it also wakes every 2 ms): one wake-up per several batches.
    func send(_ batch: PacketBatch, to worker: MeterWorker) {
        let last = batch.isLast  // read before the push: from then on the batch is the meter's
        let sent = worker.input.tryPush(batch)
        precondition(sent, "a meter's input ring holds its whole pool")
        if last || worker.input.count >= worker.refill { worker.parker.unpark() }
    }

    /// A free batch of `worker`'s pool; waits, offline, while the meter holds them all: briefly for one, then
    /// parked until half the pool is free.
    func nextFreeBatch(of worker: MeterWorker) -> PacketBatch {
        waitFor(parker, until: { worker.free.count >= worker.refill }, take: { worker.free.tryPop() })
    }

    var failed: Bool { output.failed.load(ordering: .acquiring) }
    var activeFlows: Int { workers.reduce(0) { $0 + $1.activeFlows.load(ordering: .relaxed) } }
    var rowsWritten: UInt64 { output.rowsWritten.load(ordering: .relaxed) }
    var outputError: Error? { output.error }

    /// Broadcasts a scan tick at `clock` (after the last packet) and sends the batches, so quiet meters expire
    /// their idle flows too.
    mutating func tick(clock wall: UInt64) {
        if wall > clock { clock = wall }
        if clock &- lastScan >= scanTicks {
            lastScan = clock
            broadcastTick(clock: clock, index: index == 0 ? 0 : index &- 1)
        }
        flush(last: false)
    }

    mutating func finish() -> MeterStatistics {
        flush(last: true)
        for t in meterThreads { pthread_join(t, nil) }
        pthread_join(outputThread, nil)
        filling.deallocate()
        return output.statistics
    }
}

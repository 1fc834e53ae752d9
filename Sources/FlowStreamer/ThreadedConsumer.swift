#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowPacket
import FlowWriters

/// The dispatcher, on the reading thread: clamps time, numbers packets, routes each to the meter owning its shard
/// and broadcasts scan ticks. The meters hand typed records to the output stage, on a thread of its own.
/// Offline input never drops: when a meter's batches are all in use the reader waits for one; and offline, the
/// first meter is an ``InlineLane`` on the reading thread itself, owning fewer shards than the meter threads. Live
/// input never waits: every meter is a thread, and the packets of a batch that has no free successor are dropped and
/// counted.
struct ThreadedConsumer: PacketConsumer {
    let configuration: MeterConfiguration
    /// The idle-scan interval in ticks of the time unit (read per packet: computed once).
    let scanTicks: UInt64
    let workers: [MeterWorker]
    /// Offline: meter 0, on this thread (nil for live capture).
    let lane: InlineLane?
    /// The first meter with a thread of its own (1 with a lane, else 0).
    let firstThreaded: Int
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
    /// Packet batches per meter thread, offline: how far the reader may run ahead of a meter. 24 in all, at least 8
    /// per meter: the cost of a packet varies a lot from flow to flow (nDPI works on each flow's first packets), and
    /// on two cores a deeper queue lets the reader and the meter absorb each other's bursts instead of waiting.
    static func poolSize(meterThreads: Int) -> Int { max(8, 24 / max(1, meterThreads)) }
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
        let laneShards = dropWhenFull ? 0 : Self.laneShards(meters: count, readsPacketBytes: copyFrames)
        firstThreaded = laneShards > 0 ? 1 : 0
        let threads = count - firstThreaded
        let pool = dropWhenFull ? Self.livePoolSize : Self.poolSize(meterThreads: threads)
        let threadShare = Double(FlowTable.shardCount - laneShards) / Double(FlowTable.shardCount * threads)
        let perMeter = Int(Double(Self.batchPackets) * threadShare) + Self.batchPackets / 8 + 16
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
        for (m, worker) in workers.enumerated() where m >= firstThreaded {
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
        meterOfShard = Self.shardOwners(meters: count, laneShards: laneShards)
        output = OutputStage(workers: workers, writer: writer, parker: outputParker)
        // The lane's meter first, on this thread: it takes the detection module the plugin's validation left in the
        // pool, while the threads start theirs.
        lane = laneShards > 0 ? InlineLane(worker: workers[0]) : nil
        // Named after their meter's number (1-based; offline, meter 1 is the lane on the reading thread).
        meterThreads = zip(workers.indices, workers).dropFirst(firstThreaded).map { m, worker in
            startThread(named: "meter-\(m + 1)") { worker.run() }
        }
        let stage = output
        outputThread = startThread(named: "output") { stage.run() }
    }

    @inline(__always)
    mutating func consume(_ packet: inout DecodedPacket, frame: UnsafeRawBufferPointer) {
        if packet.time > clock { clock = packet.time } else { packet.time = clock }
        let hash = FlowKey(packet).hashValue64
        let m = meterOfShard[FlowTable.shard(of: hash)]
        if m < firstThreaded {
            lane.unsafelyUnwrapped.process(packet, frame: frame, hash: hash, index: index)
            advance()
            return
        }
        let copied = copyFrames ? frame : UnsafeRawBufferPointer(start: nil, count: 0)
        if copyFrames && !filling[m]._withUnsafeGuaranteedRef({ $0.hasRoom(forFrame: frame.count) }) {
            // Frame arenas keep a fixed size (large frames would otherwise grow every batch of the pool for good):
            // a full one sends every batch now.
            flush(last: false)
        }
        filling[m]._withUnsafeGuaranteedRef { $0.append(packet, hash: hash, index: index, frame: copied) }
        advance()
    }

    /// After a packet: the scan tick when one is due, the packet's number, and the hand-off every `batchPackets`.
    @inline(__always)
    mutating func advance() {
        if clock &- lastScan >= scanTicks {
            lastScan = clock
            broadcastTick(clock: clock, index: index)
        }
        index &+= 1
        sinceFlush &+= 1
        if sinceFlush >= Self.batchPackets { flush(last: false) }
    }

    /// A scan tick after packet `index`: queued for each meter thread, run at once by the lane (which has metered
    /// every packet up to `index` and none after).
    func broadcastTick(clock: UInt64, index: UInt64) {
        lane?.expireIdle(clock: clock, index: index)
        for m in firstThreaded..<workers.count {
            filling[m]._withUnsafeGuaranteedRef { $0.appendTick(clock: clock, index: index) }
        }
    }

    /// Shards the lane meters: none with one meter; with more, a share of the reading thread's core, larger when
    /// plugins read packet bytes (application detection: metering then costs more than reading, and a lane's
    /// packets need no frame copy). Tuned on two cores; the output does not depend on it.
    static func laneShards(meters: Int, readsPacketBytes: Bool) -> Int {
        guard meters > 1 else { return 0 }
        let share = readsPacketBytes ? 0.25 : 0.1
        return Int((Double(FlowTable.shardCount) * share / Double(meters - 1)).rounded())
    }

    /// The meter of each shard: `laneShards` shards spread evenly over the table to meter 0 (the lane), the rest
    /// round robin over the other meters; without a lane, round robin over all.
    static func shardOwners(meters: Int, laneShards: Int) -> [Int] {
        let shards = FlowTable.shardCount
        guard laneShards > 0 else { return (0..<shards).map { $0 % meters } }
        var owners = [Int](repeating: -1, count: shards)
        for k in 0..<laneShards { owners[k * shards / laneShards] = 0 }
        var next = 0
        for s in 0..<shards where owners[s] < 0 {
            owners[s] = 1 + next % (meters - 1)
            next += 1
        }
        return owners
    }

    /// Sends every meter thread its batch (even an empty one, to carry the watermark), then publishes the lane's
    /// records up to the same packet, then takes a free batch for each thread (waiting, offline, while a meter holds
    /// them all). In that order, no wait can close a cycle: a meter thread's records are never held back by a lane
    /// that has not published the packets before them.
    mutating func flush(last: Bool) {
        sinceFlush = 0
        for m in firstThreaded..<workers.count {
            let batch = filling[m].takeUnretainedValue()
            batch.watermark = index
            batch.isLast = last
            // Live batches are sent below, only when a free batch can take their place.
            if last || !dropWhenFull { send(batch, to: workers[m]) }
        }
        if let lane {
            if last { lane.finish() } else { lane.publish(watermark: index) }
        }
        if last { return }
        for m in firstThreaded..<workers.count {
            let worker = workers[m]
            if dropWhenFull {
                // Live: a batch without a free successor is dropped (its packets counted), never waited for.
                let batch = filling[m].takeUnretainedValue()
                guard let next = worker.free.tryPop() else {
                    droppedRingFull &+= UInt64(batch.count)
                    batch.clear()
                    continue
                }
                send(batch, to: worker)
                filling[m] = .passUnretained(next)
            } else {
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

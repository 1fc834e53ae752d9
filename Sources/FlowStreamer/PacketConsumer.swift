#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowPacket
import FlowWriters

/// Where decoded packets go: one meter on the reading thread, or a dispatcher feeding meter threads.
protocol PacketConsumer {
    mutating func consume(_ packet: inout DecodedPacket, frame: UnsafeRawBufferPointer)
    /// Set once output has failed: reading stops.
    var failed: Bool { get }
    var activeFlows: Int { get }
    /// Rows written so far.
    var rowsWritten: UInt64 { get }
    /// Packets dropped because a meter's ring was full (live capture only; offline input waits instead).
    var droppedRingFull: UInt64 { get }
    /// A wall-clock tick: idle flows leave even when no packet arrives.
    mutating func tick(clock: UInt64)
    /// Ends the input: every remaining flow is written. Returns the meters' counters.
    mutating func finish() -> MeterStatistics
}

/// Numbers flows in output order and hands them to the writer; keeps the first write error.
final class NumberingExporter: FlowExporter {
    let writer: FlowWriter
    var nextID: UInt64 = 0
    var error: Error? = nil

    init(writer: FlowWriter) { self.writer = writer }

    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) {
        guard error == nil else { return }
        do {
            try writer.write(id: nextID, flow: flow, columns: columns)
            nextID += 1
        } catch {
            self.error = error
        }
    }
}

/// One meter on the reading thread (`--threads 1`).
struct InlineConsumer: PacketConsumer {
    var meter: Meter
    let exporter: NumberingExporter

    init(configuration: MeterConfiguration, plugins: [any FeaturePlugin], writer: FlowWriter) {
        meter = Meter(configuration: configuration, plugins: plugins)
        exporter = NumberingExporter(writer: writer)
    }

    @inline(__always)
    mutating func consume(_ packet: inout DecodedPacket, frame: UnsafeRawBufferPointer) {
        meter.process(&packet, frame: frame, exporter: exporter)
    }

    var failed: Bool { exporter.error != nil }
    var activeFlows: Int { meter.table.count }
    var rowsWritten: UInt64 { exporter.nextID }
    var droppedRingFull: UInt64 { 0 }

    mutating func tick(clock: UInt64) {
        meter.tick(clock: clock, exporter: exporter)
    }

    mutating func finish() -> MeterStatistics {
        meter.flush(exporter: exporter)
        meter.cleanupPlugins()
        return meter.statistics
    }
}

/// The dispatcher: clamps time, numbers packets, routes each to the meter thread owning its shard, broadcasts
/// scan ticks, and merges the rows coming back. Offline input never drops: full rings push back.
struct ThreadedConsumer: PacketConsumer {
    let configuration: MeterConfiguration
    let workers: [MeterWorker]
    let threads: [pthread_t]
    let merger: RowMerger
    let writer: FlowWriter
    var batches: [PacketBatch]
    var clock: UInt64 = 0
    var lastScan: UInt64 = 0
    var index: UInt64 = 0
    var sinceFlush = 0
    /// Live capture: never wait for a full ring; drop the batch and count its packets.
    let dropWhenFull: Bool
    var droppedRingFull: UInt64 = 0
    static let batchPackets = 1024

    /// Whether frames are copied to the meter threads (a plugin reads packet bytes).
    let copyFrames: Bool

    init(
        configuration: MeterConfiguration, plugins: [any FeaturePlugin], writer: FlowWriter, threads count: Int,
        dropWhenFull: Bool = false
    ) {
        self.configuration = configuration
        self.dropWhenFull = dropWhenFull
        self.writer = writer
        copyFrames = plugins.contains { $0.needsPacketBytes }
        workers = (0..<count).map { _ in MeterWorker(configuration: configuration, plugins: plugins) }
        threads = workers.map { worker in startThread { worker.run() } }
        merger = RowMerger(workers: workers)
        batches = workers.map { _ in PacketBatch(capacity: Self.batchPackets) }
    }

    @inline(__always)
    mutating func consume(_ packet: inout DecodedPacket, frame: UnsafeRawBufferPointer) {
        if packet.timeMilliseconds > clock { clock = packet.timeMilliseconds } else { packet.timeMilliseconds = clock }
        let key = FlowKey(packet)
        let hash = key.hashValue64
        let m = FlowTable.shard(of: hash) % workers.count
        var item = RoutedItem(packet: packet, key: key, hash: hash, index: index, isTick: false)
        if copyFrames {
            item.frameStart = batches[m].frames.count
            batches[m].frames.append(contentsOf: frame)
            item.frameLength = frame.count
        }
        batches[m].items.append(item)
        if clock &- lastScan >= configuration.scanIntervalMilliseconds {
            lastScan = clock
            var tick = packet
            tick.timeMilliseconds = clock
            for b in batches {
                b.items.append(RoutedItem(packet: tick, key: key, hash: hash, index: index, isTick: true))
            }
        }
        index &+= 1
        sinceFlush &+= 1
        if sinceFlush >= Self.batchPackets { flush(last: false) }
    }

    /// Sends every meter its batch (even an empty one, to carry the watermark), then writes what is ready.
    mutating func flush(last: Bool) {
        sinceFlush = 0
        let merger = self.merger
        let writer = self.writer
        for (m, worker) in workers.enumerated() {
            let batch = batches[m]
            batch.watermark = index
            batch.isLast = last
            if dropWhenFull && !last {
                if !worker.input.tryPush(batch) {
                    droppedRingFull &+= UInt64(batch.items.lazy.filter { !$0.isTick }.count)
                    batch.items.removeAll(keepingCapacity: true)
                    continue
                }
            } else {
                worker.input.push(batch) {
                    merger.collect()
                    merger.emitReady(to: writer)
                }
            }
            batches[m] = worker.recycledInput.tryPop() ?? PacketBatch(capacity: Self.batchPackets)
        }
        merger.collect()
        merger.emitReady(to: writer)
    }

    var failed: Bool { merger.error != nil }
    var activeFlows: Int { workers.reduce(0) { $0 + $1.activeFlows.load(ordering: .relaxed) } }

    /// Broadcasts a scan tick at `clock` (after the last packet) and sends the batches, so quiet meters expire
    /// their idle flows too.
    mutating func tick(clock wall: UInt64) {
        if wall > clock { clock = wall }
        if clock &- lastScan >= configuration.scanIntervalMilliseconds {
            lastScan = clock
            var tick = DecodedPacket()
            tick.timeMilliseconds = clock
            let last = index == 0 ? 0 : index &- 1
            let key = FlowKey(tick)
            for b in batches {
                b.items.append(RoutedItem(packet: tick, key: key, hash: 0, index: last, isTick: true))
            }
        }
        flush(last: false)
    }

    mutating func finish() -> MeterStatistics {
        flush(last: true)
        var backoff = Backoff()
        while !merger.allFinished {
            merger.collect()
            merger.emitReady(to: writer)
            backoff.pause()
        }
        merger.collect()
        merger.emitReady(to: writer)
        for t in threads { pthread_join(t, nil) }
        return merger.statistics
    }

    var error: Error? { merger.error }
    var rowsWritten: UInt64 { merger.nextID }
}

#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowPacket
import FlowWriters

/// Where decoded packets go: one meter on the reading thread, or a dispatcher feeding meter threads.
protocol PacketConsumer {
    mutating func consume(_ packet: inout DecodedPacket)
    /// Set once output has failed: reading stops.
    var failed: Bool { get }
    var activeFlows: Int { get }
    /// Ends the input: every remaining flow is written. Returns the meters' counters.
    mutating func finish() -> MeterStatistics
}

/// Numbers flows in output order and hands them to the writer; keeps the first write error.
final class NumberingExporter: FlowExporter {
    let writer: FlowWriter
    var nextID: UInt64 = 0
    var error: Error? = nil

    init(writer: FlowWriter) { self.writer = writer }

    func export(_ flow: borrowing Flow, splt: SPLTView, event: FlowEvent) {
        guard error == nil else { return }
        do {
            try writer.write(id: nextID, flow: flow, splt: splt)
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

    init(configuration: MeterConfiguration, writer: FlowWriter) {
        meter = Meter(configuration: configuration)
        exporter = NumberingExporter(writer: writer)
    }

    @inline(__always)
    mutating func consume(_ packet: inout DecodedPacket) {
        meter.process(&packet, exporter: exporter)
    }

    var failed: Bool { exporter.error != nil }
    var activeFlows: Int { meter.table.count }

    mutating func finish() -> MeterStatistics {
        meter.flush(exporter: exporter)
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
    static let batchPackets = 1024

    init(configuration: MeterConfiguration, writer: FlowWriter, threads count: Int) {
        self.configuration = configuration
        self.writer = writer
        workers = (0..<count).map { _ in MeterWorker(configuration: configuration) }
        threads = workers.map { worker in startThread { worker.run() } }
        merger = RowMerger(workers: workers)
        batches = workers.map { _ in PacketBatch(capacity: Self.batchPackets) }
    }

    @inline(__always)
    mutating func consume(_ packet: inout DecodedPacket) {
        if packet.timeMilliseconds > clock { clock = packet.timeMilliseconds } else { packet.timeMilliseconds = clock }
        let key = FlowKey(packet)
        let hash = key.hashValue64
        let m = FlowTable.shard(of: hash) % workers.count
        batches[m].items.append(RoutedItem(packet: packet, key: key, hash: hash, index: index, isTick: false))
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
            worker.input.push(batch) {
                merger.collect()
                merger.emitReady(to: writer)
            }
            batches[m] = worker.recycledInput.tryPop() ?? PacketBatch(capacity: Self.batchPackets)
        }
        merger.collect()
        merger.emitReady(to: writer)
    }

    var failed: Bool { merger.error != nil }
    var activeFlows: Int { 0 }

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

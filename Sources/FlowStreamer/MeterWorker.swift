import FlowMeter
import FlowPacket
import FlowWriters
import Synchronization

/// One packet or scan tick routed to a meter thread, in input order.
struct RoutedItem {
    var packet: DecodedPacket
    var key: FlowKey
    var hash: UInt64
    var index: UInt64
    /// A scan tick after packet `index` at clock `packet.timeMilliseconds`, instead of a packet.
    var isTick: Bool
    /// The frame's bytes in the batch's `frames` (copied only when a plugin reads packet bytes).
    var frameStart = 0
    var frameLength = 0

    init(packet: DecodedPacket, key: FlowKey, hash: UInt64, index: UInt64, isTick: Bool) {
        self.packet = packet
        self.key = key
        self.hash = hash
        self.index = index
        self.isTick = isTick
    }
}

/// A batch of routed items for one meter thread. `watermark`: every packet with a smaller index has been sent.
final class PacketBatch {
    var items: [RoutedItem] = []
    var frames: [UInt8] = []
    var watermark: UInt64 = 0
    var isLast = false
    init(capacity: Int) { items.reserveCapacity(capacity) }
}

/// Rows formatted by a meter thread (CSV without the `id` column), each with its place in the output order.
final class RowBatch {
    var row: CSVRow
    var keys: [FlowOrderKey] = []
    var ends: [Int] = []
    /// Every later row of this meter has an order key with index >= watermark.
    var watermark: UInt64 = 0
    var isLast = false
    var statistics = MeterStatistics()
    init() {
        row = CSVRow(capacity: 1 << 16)
        keys.reserveCapacity(256)
        ends.reserveCapacity(256)
    }
    func reset() {
        row.buffer.removeAll()
        keys.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        isLast = false
    }
}

/// A meter on its own thread: owns the shards routed to it, formats the rows of the flows it expires.
final class MeterWorker: FlowExporter, @unchecked Sendable {
    let input = SPSCRing<PacketBatch>(capacity: 8)
    let recycledInput = SPSCRing<PacketBatch>(capacity: 16)
    let output = SPSCRing<RowBatch>(capacity: 64)
    let recycledOutput = SPSCRing<RowBatch>(capacity: 128)
    let configuration: MeterConfiguration
    var meter: Meter
    var current = RowBatch()
    /// Flows in this meter's table after its latest batch (read by the dispatcher for progress and statistics).
    let activeFlows = Atomic<Int>(0)
    static let rowBatchBytes = 1 << 16

    init(configuration: MeterConfiguration, plugins: [any FeaturePlugin]) {
        self.configuration = configuration
        meter = Meter(configuration: configuration, plugins: plugins, initialCapacity: 1024)
    }

    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) {
        flow.writeColumns(to: &current.row, configuration: configuration)
        columns.write(flow: flow, to: &current.row)
        current.row.endRow()
        current.keys.append(FlowOrderKey(event: event, lastPacket: flow.lastPacketIndex))
        current.ends.append(current.row.buffer.count)
    }

    func ship(watermark: UInt64, last: Bool) {
        current.watermark = watermark
        current.isLast = last
        if last { current.statistics = meter.statistics }
        output.push(current)
        if let reused = recycledOutput.tryPop() {
            reused.reset()
            current = reused
        } else {
            current = RowBatch()
        }
    }

    /// The thread's body: meter every batch until the last one, then flush.
    func run() {
        while true {
            let batch = input.pop()
            batch.frames.withUnsafeBytes { frames in
                for item in batch.items {
                    if item.isTick {
                        meter.expireIdle(clock: item.packet.timeMilliseconds, eventIndex: item.index, exporter: self)
                    } else {
                        let frame = UnsafeRawBufferPointer(
                            rebasing: frames[item.frameStart..<(item.frameStart + item.frameLength)])
                        meter.processRouted(
                            item.packet, frame: frame, key: item.key, hash: item.hash, index: item.index, exporter: self)
                    }
                    if current.row.buffer.count >= Self.rowBatchBytes { ship(watermark: item.index, last: false) }
                }
            }
            let last = batch.isLast
            if last {
                meter.flush(exporter: self)
                meter.cleanupPlugins()
            }
            activeFlows.store(meter.table.count, ordering: .relaxed)
            ship(watermark: last ? .max : batch.watermark, last: last)
            batch.items.removeAll(keepingCapacity: true)
            batch.frames.removeAll(keepingCapacity: true)
            batch.isLast = false
            _ = recycledInput.tryPush(batch)
            if last { return }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowPacket
import FlowWriters

/// One meter on the reading thread (`--threads 1`): reading, metering and writing on one thread, the least CPU.
struct InlineConsumer: PacketConsumer, ~Copyable {
    var meter: Meter
    let exporter: NumberingExporter

    /// `initialCapacity`: the flows the table (and the plugins' states) have room for before growing; the fuzz
    /// harness starts small so that growth runs on small inputs.
    init(
        configuration: MeterConfiguration, plugins: [any FeaturePlugin], writer: FlowWriter,
        initialCapacity: Int = 4096
    ) {
        meter = Meter(configuration: configuration, plugins: plugins, initialCapacity: initialCapacity)
        exporter = NumberingExporter(writer: writer, configuration: configuration)
    }

    @inline(__always)
    mutating func consume(_ packet: inout DecodedPacket, frame: UnsafeRawBufferPointer) {
        meter.process(&packet, frame: frame, exporter: exporter)
    }

    var failed: Bool { exporter.error != nil }
    var activeFlows: Int { meter.table.count }
    var rowsWritten: UInt64 { exporter.nextID }
    var droppedRingFull: UInt64 { 0 }
    var outputError: Error? { exporter.error }

    mutating func tick(clock: UInt64) {
        meter.tick(clock: clock, exporter: exporter)
        exporter.idle()
    }

    mutating func finish() -> MeterStatistics {
        meter.flush(exporter: exporter)
        meter.cleanupPlugins()
        return meter.statistics
    }
}

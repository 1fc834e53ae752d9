// CSVWrite: the two halves of writing one flow. RecordStatisticsSPLT10 encodes it as a typed FlowRecord, as a
// meter does for every expiring flow (Flow.writeColumns for the core columns, then PluginColumns.write for the
// plugins' columns, into a FlowRecordBuffer). RowDefault and RowStatisticsSPLT10 format the same values as a
// CSV row with FlowWriters' CSVRow, as CSVWriter.write(_:) does when it replays a record (id, the values, the
// line end; the buffer is emptied, keeping its memory, whenever it passes 64 KiB, where CSVWriter would hand
// it to the file); ReplayStatisticsSPLT10 does exactly that, from the encoded record. One measured unit is 1000 rows (scalingFactor .kilo): wall
// clock reads as ns per row. The flow is real: metered by a Meter with the StatisticsPlugin and
// SPLTPlugin(length: 10) from 24 TCP packets in both directions, so means and deviations are not whole
// numbers. RowDefault writes the core columns only (no plugin: `PluginColumns.none`), RowStatisticsSPLT10
// adds the plugins' columns from the meter's own stores (those of `--features statistics,splt --splt 10`).
import Benchmark
import BenchmarkFixtures
import FlowFeatures
import FlowMeter
import FlowPacket
import FlowWriters

/// Formats every exported flow into reference rows the way CSVWriter does, while its plugin columns are valid
/// (during the call), and keeps a copy of the flow and the slot of its plugin states.
final class RowExporter: FlowExporter {
    let configuration: MeterConfiguration
    /// Row 0 with the core columns only, and with the plugin columns too.
    var coreRow = CSVRow(capacity: 1 << 12)
    var fullRow = CSVRow(capacity: 1 << 12)
    var flows: [Flow] = []
    var slots: [Int32] = []

    init(configuration: MeterConfiguration) { self.configuration = configuration }

    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) {
        coreRow.appendUnsigned(0)
        flow.writeColumns(to: &coreRow, configuration: configuration)
        coreRow.endRow()
        fullRow.appendUnsigned(0)
        flow.writeColumns(to: &fullRow, configuration: configuration)
        columns.write(flow: flow, to: &fullRow)
        fullRow.endRow()
        flows.append(copy flow)
        slots.append(columns.slot)
    }
}

/// One HTTPS-like TCP flow, handshake, requests and responses of varying sizes at irregular times, metered by
/// `meter` (statistics and SPLT 10) and flushed (end of input): the meter's stores keep the flow's plugin states.
/// Returns the exporter.
func meteredFlow(by meter: inout Meter, configuration: MeterConfiguration) -> RowExporter {
    let exporter = RowExporter(configuration: configuration)
    let client: UInt32 = 0xC0A8_010A
    let server: UInt32 = 0x5DB8_D822
    var t: UInt64 = 1_700_000_000_123
    for i in 0..<24 {
        let fromClient = i % 3 != 1
        let flags: UInt8 = i == 0 ? 0x02 : (i == 1 ? 0x12 : (i % 4 == 0 ? 0x18 : 0x10))
        let payload = i < 3 ? 0 : (fromClient ? 37 * (i % 7) + 11 : 1_448 - 13 * i)
        let frame =
            fromClient
            ? Frames.ethernetIPv4TCP(
                source: client, destination: server, sourcePort: 51_234, destinationPort: 443, flags: flags,
                payload: payload)
            : Frames.ethernetIPv4TCP(
                source: server, destination: client, sourcePort: 443, destinationPort: 51_234, flags: flags,
                payload: payload)
        var packet = Frames.decoded(frame, timeMilliseconds: t)
        meter.process(&packet, exporter: exporter)
        t += UInt64(3 + (i * 17) % 29)
    }
    meter.flush(exporter: exporter)
    precondition(exporter.flows.count == 1)
    return exporter
}

/// What one benchmark keeps between measured units.
final class CSVWriteState {
    let flow: Flow
    let configuration: MeterConfiguration
    /// The meter that metered the flow, kept alive for `columns`.
    let meter: Meter
    /// The flow's plugin columns: the meter's stores and the flow's slot in them. A slot's states stay as they
    /// are until a new flow takes the slot, which no meter here will do; the setup checks that the row written
    /// from them equals the one CSVWriter got during the export call.
    var columns = PluginColumns.none
    var row = CSVRow(capacity: 1 << 17)
    var id: UInt64 = 0
    var bytesWritten = 0

    init(withPlugins: Bool) {
        let configuration = MeterConfiguration()
        var meter = Meter(configuration: configuration, plugins: [StatisticsPlugin(), SPLTPlugin(length: 10)])
        let exporter = meteredFlow(by: &meter, configuration: configuration)
        flow = exporter.flows[0]
        self.configuration = configuration
        self.meter = meter
        if withPlugins { columns = PluginColumns(meter: self.meter, slot: exporter.slots[0]) }
        run(rows: 1)
        let reference = withPlugins ? exporter.fullRow : exporter.coreRow
        precondition(row.bytes == reference.bytes, "the benchmark row differs from the row written during export")
        precondition(withPlugins == row.bytes.contains(UInt8(ascii: "[")), "SPLT lists expected only with plugins")
        row.buffer.removeAll()
        id = 0
    }

    func run(rows: Int) {
        writeRows(&row, &id, &bytesWritten, rows: rows)
    }

    @inline(__always)
    func writeRows(_ row: inout CSVRow, _ id: inout UInt64, _ written: inout Int, rows: Int) {
        for _ in 0..<rows {
            row.appendUnsigned(id)
            flow.writeColumns(to: &row, configuration: configuration)
            columns.write(flow: flow, to: &row)
            row.endRow()
            id &+= 1
            if row.buffer.count >= 1 << 16 {
                written &+= row.buffer.count
                row.buffer.removeAll()
            }
        }
    }
}

/// The flow of CSVWriteState encoded as a record, the buffer reused for every unit.
final class RecordState {
    let rows = CSVWriteState(withPlugins: true)
    var records = FlowRecordBuffer(capacity: 1 << 16)
    var encoded: Range<Int>
    var row = CSVRow(capacity: 1 << 17)
    var bytes = 0

    init() {
        encoded = records.append(rows.flow, columns: rows.columns, configuration: rows.configuration)
        // The replayed row must be the row formatted directly.
        row.appendUnsigned(0)
        records.record(at: encoded).replay(into: &row)
        row.endRow()
        var direct = CSVRow(capacity: 1 << 12)
        var id: UInt64 = 0
        var written = 0
        rows.writeRows(&direct, &id, &written, rows: 1)
        precondition(row.bytes == direct.bytes, "a replayed record differs from the row formatted directly")
        row.buffer.removeAll()
    }

    func encode(rows count: Int) {
        for _ in 0..<count {
            if records.count >= 1 << 16 { records.removeAll() }
            encoded = records.append(rows.flow, columns: rows.columns, configuration: rows.configuration)
        }
        bytes &+= records.count
    }

    func replay(rows count: Int) {
        let record = records.record(at: encoded)
        for id in 0..<UInt64(count) {
            FlowRow(id: id, record: record).replay(into: &row)
            row.endRow()
            if row.buffer.count >= 1 << 16 {
                bytes &+= row.buffer.count
                row.buffer.removeAll()
            }
        }
    }
}

/// Discards what it is given, counting the bytes (the file a GzipStream would write to).
final class CountingSink: ByteSink {
    var bytes = 0
    var path: String { "/dev/null" }
    func write(_ buffer: UnsafeRawBufferPointer) throws { bytes &+= buffer.count }
    func finish() throws {}
    func abandon() {}
}

/// Rows as CSVWrite.RowStatisticsSPLT10 formats them, each 64 KiB handed to a GzipStream (zlib level 1, the
/// default of `-o x.csv.gz`) in front of a sink that discards the compressed bytes.
final class GzipWriteState {
    let rows = CSVWriteState(withPlugins: true)
    let sink = CountingSink()
    let gzip: GzipStream

    init() {
        gzip = try! GzipStream(output: sink, level: 1)
        run(rows: 1000)  // warm up zlib's window
    }

    func run(rows count: Int) {
        for _ in 0..<count {
            if rows.row.buffer.count >= (1 << 16) - 4096 { flush() }
            rows.run(rows: 1)
        }
    }

    func flush() {
        try! gzip.write(rows.row.buffer.bytes)
        rows.row.buffer.removeAll()
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 2,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000,
        thresholds: [
            // Compared with Thresholds/CSVWrite.*.p90.json, mallocs per 1000 rows must equal the recorded count:
            // more is a regression, fewer an improvement to record (`thresholds update`). Every suite records 0:
            // doubles are printed into the row's own memory, with no String made.
            .mallocCountTotal: .init(absolute: [.p90: 0])
        ]
    )

    // GzipRowsStatisticsSPLT10: the same rows, compressed. Expected mallocs per 1000 rows: 0; zlib allocates only
    // when the stream is made.
    Benchmark("GzipRowsStatisticsSPLT10") { benchmark, state in
        let n = benchmark.scaledIterations.count
        benchmark.startMeasurement()
        state.run(rows: n)
        benchmark.stopMeasurement()
        blackHole(state.sink.bytes)
    } setup: {
        GzipWriteState()
    }

    // RecordStatisticsSPLT10 and ReplayStatisticsSPLT10: expected mallocs 0 (the buffers keep their memory).
    Benchmark("RecordStatisticsSPLT10") { benchmark, state in
        let n = benchmark.scaledIterations.count
        benchmark.startMeasurement()
        state.encode(rows: n)
        benchmark.stopMeasurement()
        blackHole(state.bytes)
    } setup: {
        RecordState()
    }

    Benchmark("ReplayStatisticsSPLT10") { benchmark, state in
        let n = benchmark.scaledIterations.count
        benchmark.startMeasurement()
        state.replay(rows: n)
        benchmark.stopMeasurement()
        blackHole(state.bytes)
    } setup: {
        RecordState()
    }

    for (name, withPlugins) in [("RowDefault", false), ("RowStatisticsSPLT10", true)] {
        Benchmark(name) { benchmark, state in
            let n = benchmark.scaledIterations.count
            benchmark.startMeasurement()
            state.run(rows: n)
            benchmark.stopMeasurement()
            blackHole(state.bytesWritten)
        } setup: {
            CSVWriteState(withPlugins: withPlugins)
        }
    }
}

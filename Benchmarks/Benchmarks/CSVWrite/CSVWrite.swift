// CSVWrite: formatting one flow as a CSV row with FlowWriters' CSVRow, as CSVWriter does for every flow
// (id, then Flow.writeColumns, then the line end; the buffer is emptied, keeping its memory, whenever it
// passes 64 KiB, where CSVWriter would hand it to the file). One measured unit is 1000 rows
// (scalingFactor .kilo): wall clock reads as ns per row. The flow is real: metered by a Meter from 24 TCP
// packets in both directions, with statistics and SPLT 10, so means and deviations are not whole numbers.
// RowDefault writes the default columns, RowStatisticsSPLT10 those of `--statistics --splt 10`.
import Benchmark
import BenchmarkFixtures
import FlowMeter
import FlowPacket
import FlowWriters

/// Keeps a copy of every exported flow and of its SPLT values (the view is only valid during the call).
final class CapturingExporter: FlowExporter {
    var flows: [Flow] = []
    var directions: [Int8] = []
    var sizes: [Int32] = []
    var piats: [Int64] = []
    func export(_ flow: borrowing Flow, splt: SPLTView) {
        flows.append(copy flow)
        directions = Array(splt.directions)
        sizes = Array(splt.sizes)
        piats = Array(splt.piats)
    }
}

/// One HTTPS-like TCP flow: handshake, requests and responses of varying sizes at irregular times.
func meteredFlow(configuration: MeterConfiguration) -> CapturingExporter {
    var meter = Meter(configuration: configuration)
    let exporter = CapturingExporter()
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
    let directions: UnsafeMutableBufferPointer<Int8>
    let sizes: UnsafeMutableBufferPointer<Int32>
    let piats: UnsafeMutableBufferPointer<Int64>
    var row = CSVRow(capacity: 1 << 17)
    var id: UInt64 = 0
    var bytesWritten = 0

    init(columns: MeterConfiguration) {
        var metering = MeterConfiguration()
        metering.statistics = true
        metering.spltLength = 10
        let captured = meteredFlow(configuration: metering)
        flow = captured.flows[0]
        configuration = columns
        // The SPLT values live in memory of our own, as they live in the flow table's while CSVWriter writes.
        directions = .allocate(capacity: captured.directions.count)
        _ = directions.initialize(from: captured.directions)
        sizes = .allocate(capacity: captured.sizes.count)
        _ = sizes.initialize(from: captured.sizes)
        piats = .allocate(capacity: captured.piats.count)
        _ = piats.initialize(from: captured.piats)
    }

    deinit {
        directions.deallocate()
        sizes.deallocate()
        piats.deallocate()
    }

    func run(rows: Int) {
        writeRows(&row, &id, &bytesWritten, rows: rows)
    }

    @inline(__always)
    func writeRows(_ row: inout CSVRow, _ id: inout UInt64, _ written: inout Int, rows: Int) {
        let splt =
            configuration.spltLength > 0
            ? SPLTView(
                directions: UnsafeBufferPointer(directions), sizes: UnsafeBufferPointer(sizes),
                piats: UnsafeBufferPointer(piats))
            : SPLTView.empty
        for _ in 0..<rows {
            row.appendUnsigned(id)
            flow.writeColumns(to: &row, configuration: configuration, splt: splt)
            row.endRow()
            id &+= 1
            if row.buffer.count >= 1 << 16 {
                written &+= row.buffer.count
                row.buffer.removeAll()
            }
        }
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
            // more is a regression, fewer an improvement to record (`thresholds update`). RowDefault records 0;
            // RowStatisticsSPLT10 records 10,000 (10 per row, one per Double whose shortest text is longer than
            // 15 bytes: `Double.description` allocates String storage in PythonFloatFormat.append).
            .mallocCountTotal: .init(absolute: [.p90: 0])
        ]
    )

    var defaults = MeterConfiguration()
    defaults.statistics = false
    var full = MeterConfiguration()
    full.statistics = true
    full.spltLength = 10

    for (name, columns) in [("RowDefault", defaults), ("RowStatisticsSPLT10", full)] {
        Benchmark(name) { benchmark, state in
            let n = benchmark.scaledIterations.count
            benchmark.startMeasurement()
            state.run(rows: n)
            benchmark.stopMeasurement()
            blackHole(state.bytesWritten)
        } setup: {
            CSVWriteState(columns: columns)
        }
    }
}

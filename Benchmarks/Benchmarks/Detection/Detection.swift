// Detection: the cost of application detection (`--dissections`, the nDPI plugin `ApplicationPlugin`) per new
// flow. One measured unit is 1000 flows (scalingFactor .kilo): wall clock reads as ns per flow. Each flow is one
// DNS query (Ethernet + IPv4 + UDP to port 53, its own source address and port), decoded from its bytes and
// metered with the frame, so nDPI dissects it, names it DNS on the first packet and detection is final at once
// (its nDPI state goes back to the free list). After every 1000 flows the meter is flushed (every flow written to
// a no-op exporter), so the table stays small. `DNSQueriesNoDetection` is the same loop without the plugin:
// the difference is what detection costs per flow (nDPI, the plugin, the nine result strings).
// `Steady10kFlowsApplication` (FlowUpdate-like steady state, packets without bytes) is the per-packet cost once
// detection is over: it must allocate nothing.
import Benchmark
import BenchmarkFixtures
import FlowDPI
import FlowMeter
import FlowPacket
import MeterFixtures

/// 1000 DNS queries for www.example.com, each from its own source address and port.
func dnsQueryFrames() -> FrameSet {
    var question: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
    for label in ["www", "example", "com"] {
        question.append(UInt8(label.utf8.count))
        question += Array(label.utf8)
    }
    question += [0, 0, 1, 0, 1]
    let frames = (0..<1000).map { i -> [UInt8] in
        var f: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0x08, 0x00]
        let udpLength = 8 + question.count
        let source: UInt32 = 0x0A00_0000 | UInt32(i)
        f += [0x45, 0, UInt8((20 + udpLength) >> 8), UInt8((20 + udpLength) & 0xFF), 0, 0, 0x40, 0, 64, 17, 0, 0]
        f += [UInt8(source >> 24), UInt8((source >> 16) & 0xFF), UInt8((source >> 8) & 0xFF), UInt8(source & 0xFF)]
        f += [192, 0, 2, 53]
        let port = UInt16(20000 + i)
        f += [UInt8(port >> 8), UInt8(port & 0xFF), 0, 53, UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0]
        f += question
        return f
    }
    return FrameSet(frames)
}

final class DNSFlowsState {
    var meter: Meter
    let frames = dnsQueryFrames()
    let exporter = NoOpExporter()
    let decoder = PacketDecoder(linkType: .ethernet)
    var time: UInt64 = 1_700_000_000_000

    init(plugins: [any FeaturePlugin]) {
        meter = Meter(configuration: MeterConfiguration(), plugins: plugins)
        run(units: 2)  // warm-up: the table, the plugin stores and nDPI's free list reach their size
    }

    /// Meters the 1000 queries `units` times, flushing after each round.
    func run(units: Int) {
        var packet = DecodedPacket()
        for _ in 0..<units {
            for i in 0..<frames.offsets.count {
                let frame = frames.frame(i)
                let outcome = decoder.decode(frame, wireLength: UInt32(frame.count), into: &packet)
                precondition(outcome == .decoded)
                packet.time = time
                meter.process(&packet, frame: frame, exporter: exporter)
            }
            meter.flush(exporter: exporter)
            time &+= 1000
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 1,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 100,
        thresholds: [
            // Detection allocates nothing per flow: the 7 mallocs per unit are the flush's own arrays, the same
            // with detection off (Thresholds/Detection.*.p90.json).
            .mallocCountTotal: .init(absolute: [.p90: 0])
        ]
    )

    let cases: [(String, @Sendable () -> [any FeaturePlugin])] = [
        ("DNSQueriesNoDetection", { [] }),
        ("DNSQueriesDetection", { [try! ApplicationPlugin(dissections: 20)] }),
    ]
    for (name, plugins) in cases {
        Benchmark(name) { benchmark, state in
            benchmark.startMeasurement()
            state.run(units: benchmark.scaledIterations.count / 1000)
            benchmark.stopMeasurement()
            // Every flow was written (the columns themselves are checked in FlowDPITests).
            precondition(state.meter.table.count == 0 && state.exporter.exported >= state.frames.offsets.count)
        } setup: {
            DNSFlowsState(plugins: plugins())
        }
    }

    Benchmark(
        "Steady10kFlowsApplication",
        configuration: .init(
            scalingFactor: .mega, maxIterations: 30,
            thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0])])
    ) { benchmark, state in
        let n = benchmark.scaledIterations.count
        benchmark.startMeasurement()
        state.run(count: n)
        benchmark.stopMeasurement()
        state.check()
    } setup: {
        SteadyFlowsState(plugins: [try! ApplicationPlugin(dissections: 20)])
    }

    // QUIC: what reading one client Initial costs (flowmeter's own reader, through swift-crypto): derive the
    // Initial keys from the Destination Connection ID (HKDF-Extract and four HKDF-Expand-Label), remove header
    // protection (one AES block), open the 1200-byte payload (AES-128-GCM), parse the CRYPTO frame and compute the
    // ClientHello's JA4 (two SHA-256). One unit is 1000 Initials, each into a new assembler (a new flow):
    // wall clock reads as ns per Initial. `JA4OfClientHello` is the JA4 of the same hello alone (no QUIC).
    Benchmark(
        "QUICInitialHello", configuration: .init(scalingFactor: .kilo, maxIterations: 30)
    ) { benchmark, datagram in
        var last: String? = nil
        datagram.withUnsafeBytes { raw in
            for _ in 0..<benchmark.scaledIterations.count {
                var assembler = QUICHelloAssembler()
                last = assembler.add(datagram: raw)
            }
        }
        precondition(last?.hasPrefix("q13d0") == true, "the Initial was not read: \(last ?? "nil")")
    } setup: {
        QUICInitialFixture.datagram()
    }

    Benchmark(
        "JA4OfClientHello", configuration: .init(scalingFactor: .kilo, maxIterations: 30)
    ) { benchmark, hello in
        var last: String? = nil
        for _ in 0..<benchmark.scaledIterations.count {
            last = JA4.fingerprint(handshake: hello, transport: "q")
        }
        precondition(last?.hasPrefix("q13d0") == true)
    } setup: {
        QUICInitialFixture.clientHello()
    }
}

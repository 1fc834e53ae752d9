import FlowCapture
import FlowMeter
import FlowPacket
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

/// Counters of a live capture, reported every `--stats-interval` seconds and at the end.
public struct LiveStatistics: Sendable {
    /// Packets libpcap delivered to us.
    public var packetsReceived: UInt64 = 0
    /// Dropped by the kernel (socket buffer full) and by the interface, as libpcap reports them.
    public var droppedByKernel: UInt64 = 0
    public var droppedByInterface: UInt64 = 0
    /// Dropped by us because a meter thread's ring was full.
    public var droppedRingFull: UInt64 = 0
    /// Packets the decoder ignored (not IP, truncated, non-first fragments …).
    public var packetsIgnored: UInt64 = 0
    public var flowsActive: Int = 0
    public var flowsWritten: UInt64 = 0
    /// Flows expired early because their shard of the table was full (`--max-flows`; known at the end).
    public var flowsEvicted: UInt64 = 0
    /// Seconds since the capture started.
    public var elapsedSeconds: Double = 0

    public init() {}

    /// One JSON object on one line.
    public var jsonLine: String {
        let ms = Int((elapsedSeconds * 1000).rounded())
        let fraction = String(ms % 1000)
        let elapsed = "\(ms / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        return "{\"elapsed_s\":\(elapsed),\"packets_received\":\(packetsReceived),"
            + "\"packets_ignored\":\(packetsIgnored),\"dropped_by_kernel\":\(droppedByKernel),"
            + "\"dropped_by_interface\":\(droppedByInterface),\"dropped_ring_full\":\(droppedRingFull),"
            + "\"flows_active\":\(flowsActive),\"flows_written\":\(flowsWritten),\"flows_evicted\":\(flowsEvicted)}"
    }
}

/// What ends a live capture besides SIGINT/SIGTERM.
public struct LiveLimits: Sendable {
    public var durationSeconds: Double? = nil
    public var maxPackets: UInt64? = nil
    public var statsIntervalSeconds: Double? = nil
    public init() {}
}

/// Why a live capture stopped.
public enum LiveStopReason: Sendable, Equatable {
    case signal, duration, maxPackets, captureFailed(String), outputFailed
}

extension FlowStreamer {
    /// Captures from `capture` until a signal, a limit or a capture error; meters with wall-clock ticks so idle
    /// flows leave within about a second of their timeout; flushes every flow at the end and finishes the writer.
    /// `report` receives a statistics line every `statsIntervalSeconds` and once at the end.
    public func live(
        capture: LiveCapture, writer: FlowWriter, limits: LiveLimits,
        report: (LiveStatistics, _ final: Bool) -> Void
    ) throws -> (LiveStatistics, LiveStopReason) {
        let meterConfiguration = configuration.meter
        do {
            try writer.begin(schema: FlowSchema(configuration: meterConfiguration, plugins: configuration.plugins))
        } catch {
            writer.abandon()
            throw error
        }
        if configuration.threads <= 1 {
            var consumer = InlineConsumer(
                configuration: meterConfiguration, plugins: configuration.plugins, writer: writer)
            return try runLive(capture: capture, consumer: &consumer, writer: writer, limits: limits, report: report)
        } else {
            var consumer = ThreadedConsumer(
                configuration: meterConfiguration, plugins: configuration.plugins, writer: writer,
                threads: configuration.threads, dropWhenFull: true)
            return try runLive(capture: capture, consumer: &consumer, writer: writer, limits: limits, report: report)
        }
    }

    static func wallClockMilliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func runLive<Consumer: PacketConsumer>(
        capture: LiveCapture, consumer: inout Consumer, writer: FlowWriter, limits: LiveLimits,
        report: (LiveStatistics, Bool) -> Void
    ) throws -> (LiveStatistics, LiveStopReason) {
        let decoder = PacketDecoder(linkType: capture.linkType, decodeTunnels: configuration.meter.decodeTunnels)
        var packet = DecodedPacket()
        var stats = LiveStatistics()
        let start = Self.monotonicSeconds()
        var lastTick = start
        var lastReport = start
        var stop: LiveStopReason? = nil
        func snapshot(_ consumer: Consumer) -> LiveStatistics {
            var s = stats
            let c = capture.statistics()
            s.droppedByKernel = c.droppedByKernel
            s.droppedByInterface = c.droppedByInterface
            s.droppedRingFull = consumer.droppedRingFull
            s.flowsActive = consumer.activeFlows
            s.flowsWritten = consumer.rowsWritten
            s.elapsedSeconds = Self.monotonicSeconds() - start
            return s
        }
        while stop == nil {
            switch capture.next(timeoutMilliseconds: 100) {
            case .packet(let captured):
                stats.packetsReceived &+= 1
                if decoder.decode(captured.bytes, wireLength: captured.wireLength, into: &packet) == .decoded {
                    packet.timeMilliseconds = DecodedPacket.milliseconds(
                        seconds: captured.seconds, microseconds: captured.microseconds)
                    consumer.consume(&packet, frame: captured.bytes)
                } else {
                    stats.packetsIgnored &+= 1
                }
                if let max = limits.maxPackets, stats.packetsReceived >= max { stop = .maxPackets }
            case .timeout:
                break
            case .endOfFile:
                stop = .signal
            case .failed(let message):
                stop = .captureFailed(message)
            }
            if consumer.failed { stop = .outputFailed }
            if interruptRequested.load(ordering: .relaxed) { stop = .signal }
            let now = Self.monotonicSeconds()
            if let d = limits.durationSeconds, now - start >= d { stop = stop ?? .duration }
            // Wall-clock ticks keep idle expiry on time on a quiet link, and push threaded batches along.
            if now - lastTick >= 0.1 {
                lastTick = now
                consumer.tick(clock: Self.wallClockMilliseconds())
            }
            if let interval = limits.statsIntervalSeconds, now - lastReport >= interval {
                lastReport = now
                report(snapshot(consumer), false)
            }
        }
        let meterStatistics = consumer.finish()
        var final = snapshot(consumer)
        final.flowsEvicted = meterStatistics.flowsEvicted
        final.flowsActive = 0
        final.flowsWritten = consumer.rowsWritten
        let outputError = (consumer as? ThreadedConsumer)?.error ?? (consumer as? InlineConsumer)?.exporter.error
        if let outputError {
            writer.abandon()
            report(final, true)
            throw outputError
        }
        do {
            try writer.finish()
        } catch {
            writer.abandon()
            report(final, true)
            throw error
        }
        report(final, true)
        return (final, stop ?? .signal)
    }
}

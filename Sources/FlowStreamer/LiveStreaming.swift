import FlowCapture
import FlowIngest
import FlowMeter
import FlowPacket
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

extension FlowStreamer {
    /// Captures from `capture` until a signal, a limit or a capture error; meters with wall-clock ticks so idle
    /// flows leave within about a second of their timeout; flushes every flow at the end and finishes the writer.
    /// `report` receives a statistics line every `statsIntervalSeconds` and once at the end.
    public func live(
        capture: LiveCapture, writer: FlowWriter, limits: LiveLimits,
        report: (LiveStatistics, _ final: Bool) -> Void
    ) throws -> (LiveStatistics, LiveStopReason) {
        try meterLive(source: capture, writer: writer, limits: limits, report: report)
    }

    /// `live` through a tshark child capturing on the interface (`--ingest tshark`). Packets are counted as tshark
    /// delivers them; at the end tshark is asked to stop and what it still holds is read and metered (for at most
    /// five seconds). Kernel drop counters are not available on this path (reported as 0). Call `tshark.close()`
    /// afterwards: it reaps tshark and throws, quoting it, if tshark ended with an error of its own.
    public func live(
        tshark: TsharkSource, writer: FlowWriter, limits: LiveLimits,
        report: (LiveStatistics, _ final: Bool) -> Void
    ) throws -> (LiveStatistics, LiveStopReason) {
        // On success the caller closes `tshark` (and learns from `close()` whether tshark failed on its own);
        // on an error it is killed and reaped here.
        do {
            return try meterLive(
                source: TsharkPacketSource(tshark: tshark), writer: writer, limits: limits, report: report)
        } catch {
            _ = try? tshark.close(killing: true)
            throw error
        }
    }

    /// Begins the writer (abandoning it if that fails), then meters `source` on one thread or several, through
    /// the decoder or the per-layer objects (`--ingest object`).
    func meterLive<Source: PacketSource>(
        source: Source, writer: FlowWriter, limits: LiveLimits, report: (LiveStatistics, Bool) -> Void
    ) throws -> (LiveStatistics, LiveStopReason) {
        let meterConfiguration = configuration.meter
        do {
            try writer.begin(schema: FlowSchema(configuration: meterConfiguration, plugins: configuration.plugins))
        } catch {
            writer.abandon()
            throw error
        }
        let tunnels = meterConfiguration.decodeTunnels
        if configuration.meterThreads == 1 {
            var consumer = InlineConsumer(
                configuration: meterConfiguration, plugins: configuration.plugins, writer: writer)
            return try meterLive(source: source, into: &consumer, writer: writer, limits: limits, report: report)
        }
        var consumer = ThreadedConsumer(
            configuration: meterConfiguration, plugins: configuration.plugins, writer: writer,
            threads: configuration.meterThreads, dropWhenFull: true)
        return try meterLive(source: source, into: &consumer, writer: writer, limits: limits, report: report)

        func meterLive<Consumer: PacketConsumer & ~Copyable>(
            source: Source, into consumer: inout Consumer, writer: FlowWriter, limits: LiveLimits,
            report: (LiveStatistics, Bool) -> Void
        ) throws -> (LiveStatistics, LiveStopReason) {
            if configuration.ingest == .object {
                return try runLive(
                    source: source,
                    dissector: { ObjectDissector(decoder: PacketDecoder(linkType: $0, decodeTunnels: tunnels)) },
                    consumer: &consumer, writer: writer, limits: limits, report: report)
            }
            return try runLive(
                source: source, dissector: { PacketDecoder(linkType: $0, decodeTunnels: tunnels) },
                consumer: &consumer, writer: writer, limits: limits, report: report)
        }
    }

    /// The wall clock in ticks of `unit` (as packet times are computed from a capture's time stamps).
    static func wallClock(_ unit: TimeUnit) -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return unit.time(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The live read loop: packets metered through the dissector `dissector` makes once the link type is known,
    /// wall-clock ticks every 0.1 s, statistics every `limits.statsIntervalSeconds`, the limits and the signal
    /// flag looked at after every read (a live read returns at least every 100 ms), and what tshark still holds
    /// drained after a stop; then every flow is flushed and the writer finished.
    func runLive<Source: PacketSource, Dissector: FrameDissector, Consumer: PacketConsumer & ~Copyable>(
        source capture: Source, dissector: (LinkType) -> Dissector, consumer: inout Consumer, writer: FlowWriter,
        limits: LiveLimits, report: (LiveStatistics, Bool) -> Void
    ) throws -> (LiveStatistics, LiveStopReason) {
        var frames: Dissector? = capture.frameLinkType.map(dissector)
        var draining = false
        var sourceEnded = false
        let drainDeadline = 5.0
        var drainStart = 0.0
        var packet = DecodedPacket()
        var timeOrder = TimeOrder()  // offline inputs report time going backwards; live captures only meter
        var stats = LiveStatistics()
        let start = Self.monotonicSeconds()
        var lastTick = start
        var lastReport = start
        var stop: LiveStopReason? = nil
        func snapshot(_ consumer: borrowing Consumer) -> LiveStatistics {
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
        while stop == nil || draining {
            switch capture.next(timeoutMilliseconds: 100) {
            case .packet(let captured):
                stats.packetsReceived &+= 1
                if frames == nil, let link = capture.frameLinkType { frames = dissector(link) }
                if let frames {
                    let outcome = frames.meter(
                        captured, into: &consumer, packet: &packet, order: &timeOrder,
                        unit: configuration.meter.timeUnit)
                    if outcome != .decoded { stats.packetsIgnored &+= 1 }
                } else {
                    stats.packetsIgnored &+= 1  // no link type yet
                }
                if let max = limits.maxPackets, stats.packetsReceived >= max { stop = stop ?? .maxPackets }
            case .timeout:
                break
            case .endOfFile:
                stop = stop ?? .signal
                draining = false
                sourceEnded = true
            case .failed(let message):
                stop = stop ?? .captureFailed(message)
                draining = false
                sourceEnded = true
            }
            if consumer.failed {
                stop = .outputFailed
                draining = false
            }
            if interruptRequested.load(ordering: .relaxed) { stop = stop ?? .signal }
            let now = Self.monotonicSeconds()
            if let d = limits.durationSeconds, now - start >= d { stop = stop ?? .duration }
            if stop != nil && !draining && drainStart == 0 && !sourceEnded && capture.drainsAfterStop {
                // tshark holds packets it has not printed yet: ask it to stop and read them.
                capture.stop()
                draining = true
                drainStart = now
            }
            if draining && now - drainStart >= drainDeadline { draining = false }
            // Wall-clock ticks keep idle expiry on time on a quiet link, and push threaded batches along.
            if now - lastTick >= 0.1 {
                lastTick = now
                consumer.tick(clock: Self.wallClock(configuration.meter.timeUnit))
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
        if let outputError = consumer.outputError {
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

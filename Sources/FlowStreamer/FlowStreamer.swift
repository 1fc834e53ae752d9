#if canImport(Glibc)
import Glibc
#endif
import FlowCapture
import FlowIngest
import FlowMeter
import FlowPacket
import FlowWriters

/// The facade: captures in, rows out. `convert` reads every input in order as one capture (flows continue
/// across files; the clock carries over), meters it, and writes every flow.
public struct FlowStreamer: Sendable {
    /// The options of every conversion this streamer runs.
    public var configuration: StreamerConfiguration

    /// A streamer with `configuration`.
    public init(configuration: StreamerConfiguration) {
        self.configuration = configuration
    }

    /// Opens every input once to check it before any output is written, and compiles the filter. Standard input,
    /// pipes and other inputs that can be read only once (`<(zcat x.pcap.gz)`, FIFOs) are not opened ahead: their
    /// problems show when they are read. Throws the first problem found.
    public func validate(inputs: [String]) throws {
        if configuration.ingest == .tshark {
            if let bpf = configuration.bpfFilter {
                throw PcapError.badFilter(
                    expression: bpf,
                    message:
                        "--bpf cannot be used with --ingest tshark on capture files (tshark applies no capture filter when it reads a file)"
                )
            }
            if inputs.contains("-") {
                throw PcapError.cannotOpen(
                    path: "-", message: "--ingest tshark reads capture files by name, not standard input")
            }
            if ChildProcess.which(configuration.tshark.executable) == nil {
                throw PcapError.tsharkMissing(path: configuration.tshark.executable)
            }
        }
        for path in inputs where path != "-" && Self.isDirectory(path) {
            throw PcapError.cannotOpen(path: path, message: "Is a directory")
        }
        for path in inputs where path != "-" && Self.isRereadable(path) {
            let handle = try PcapHandle.openOffline(
                path: path, nanoseconds: configuration.meter.timeUnit == .nanoseconds)
            let link = handle.linkType
            if !link.isSupported {
                throw PcapError.unsupportedLinkType(path: path, linkType: link.rawValue, name: link.description)
            }
            if let bpf = configuration.bpfFilter { try handle.setFilter(bpf) }
        }
    }

    /// Converts `inputs` to rows on `writer`. Input damage is reported in the result (flows are still written);
    /// output errors are thrown after abandoning the output.
    public func convert(
        inputs: [String], writer: FlowWriter,
        progress: ((ConversionProgress) -> Void)? = nil
    ) throws -> ConversionReport {
        try validate(inputs: inputs)
        let meterConfiguration = configuration.meter
        do {
            try writer.begin(schema: FlowSchema(configuration: meterConfiguration, plugins: configuration.plugins))
        } catch {
            writer.abandon()
            throw error
        }
        var report = ConversionReport()
        let statistics: MeterStatistics
        let outputError: Error?
        if configuration.meterThreads == 1 {
            var consumer = InlineConsumer(
                configuration: meterConfiguration, plugins: configuration.plugins, writer: writer)
            (statistics, outputError) = run(inputs: inputs, into: &consumer, report: &report, progress: progress)
        } else {
            var consumer = ThreadedConsumer(
                configuration: meterConfiguration, plugins: configuration.plugins, writer: writer,
                threads: configuration.meterThreads)
            (statistics, outputError) = run(inputs: inputs, into: &consumer, report: &report, progress: progress)
        }
        report.packetsMetered = statistics.packets
        report.peakActiveFlows = statistics.peakActiveFlows
        report.flowsEvicted = statistics.flowsEvicted
        if let outputError {
            writer.abandon()
            throw outputError
        }
        do {
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
        return report
    }

    /// Reads every input into `consumer`, then ends it (every flow written); returns the meters' counters and the
    /// writer's first error.
    func run<Consumer: PacketConsumer & ~Copyable>(
        inputs: [String], into consumer: inout Consumer, report: inout ConversionReport,
        progress: ((ConversionProgress) -> Void)?
    ) -> (MeterStatistics, Error?) {
        readAll(inputs: inputs, into: &consumer, report: &report, progress: progress)
        let statistics = consumer.finish()
        report.flowsWritten = consumer.rowsWritten
        return (statistics, consumer.outputError)
    }

    /// Reads every input in order into `consumer`, recording ignored packets, input damage and packets stamped
    /// earlier than the latest time already seen in `report`. A damaged input ends reading only with
    /// `configuration.stopOnDamage`; otherwise the next input is read.
    func readAll<Consumer: PacketConsumer & ~Copyable>(
        inputs: [String], into consumer: inout Consumer, report: inout ConversionReport,
        progress: ((ConversionProgress) -> Void)?
    ) {
        let totalBytes = inputs.contains("-") ? nil : inputs.reduce(Int64(0)) { $0 + (Self.fileSize($1) ?? 0) }
        var bytesBefore: Int64 = 0
        var packet = DecodedPacket()
        var order = TimeOrder()
        for path in inputs {
            let readBefore = report.packetsRead
            let ignoredBefore = report.ignored
            let damagedBefore = report.damagedInputs.count
            var summary = ConversionReport.InputSummary(input: path)
            let next = readFile(
                path: path, into: &consumer, report: &report, packet: &packet, order: &order,
                summary: &summary, progress: progress.map { progress in (progress, bytesBefore, totalBytes) })
            summary.packetsRead = report.packetsRead - readBefore
            for i in summary.ignored.indices { summary.ignored[i] = report.ignored[i] - ignoredBefore[i] }
            summary.backwardPackets = order.behind
            summary.backwardMaxMilliseconds = order.most
            if report.damagedInputs.count > damagedBefore { summary.damage = report.damagedInputs.last?.error }
            report.inputs.append(summary)
            if order.behind > 0 {
                report.backwardTime.append(
                    ConversionReport.BackwardTime(
                        input: path, packets: order.behind,
                        maxMilliseconds: configuration.meter.timeUnit.milliseconds(order.most)))
            }
            order.startInput()
            bytesBefore += Self.fileSize(path) ?? 0
            if !next { break }
        }
    }

    /// Records that `error` kept an input from being read to its end; returns whether to read the next input.
    func recordDamage(_ error: PcapError, path: String, report: inout ConversionReport) -> Bool {
        report.damagedInputs.append(ConversionReport.InputDamage(input: path, error: error))
        return !configuration.stopOnDamage
    }

    /// Reads one input into `consumer`. Returns false when reading must stop (interrupted, packet limit, output
    /// failure, or damage with `stopOnDamage`).
    func readFile<Consumer: PacketConsumer & ~Copyable>(
        path: String, into consumer: inout Consumer, report: inout ConversionReport, packet: inout DecodedPacket,
        order: inout TimeOrder, summary: inout ConversionReport.InputSummary,
        progress: (report: (ConversionProgress) -> Void, bytesBefore: Int64, bytesTotal: Int64?)?
    ) -> Bool {
        let handle: PcapHandle
        do {
            handle = try PcapHandle.openOffline(path: path, nanoseconds: configuration.meter.timeUnit == .nanoseconds)
            if let bpf = configuration.bpfFilter { try handle.setFilter(bpf) }
        } catch {
            // A signal while libpcap reads the header interrupts it (EINTR): that is an interruption,
            // not a damaged input.
            if interruptRequested.load(ordering: .relaxed) {
                report.interrupted = true
                return false
            }
            let damage = error as? PcapError ?? .cannotOpen(path: path, message: "\(error)")
            return recordDamage(damage, path: path, report: &report)
        }
        let linkType = handle.linkType
        if !linkType.isSupported {
            return recordDamage(
                .unsupportedLinkType(path: path, linkType: linkType.rawValue, name: linkType.description),
                path: path, report: &report)
        }
        let decoder = PacketDecoder(linkType: linkType, decodeTunnels: configuration.meter.decodeTunnels)
        let end: ReadEnd
        switch configuration.ingest {
        case .tshark:
            return readTshark(
                path: path, decoder: decoder, into: &consumer, report: &report, packet: &packet,
                order: &order, summary: &summary)
        case .object:
            end = readRecords(
                from: handle, dissector: ObjectDissector(decoder: decoder), into: &consumer, report: &report,
                packet: &packet, order: &order, summary: &summary, progress: progress)
        case .direct:
            end = readRecords(
                from: handle, dissector: decoder, into: &consumer, report: &report, packet: &packet, order: &order,
                summary: &summary, progress: progress)
        }
        switch end {
        case .endOfInput: return true
        case .limitReached, .interrupted, .outputFailed: return false
        case .failed(let message, let packetNumber):
            return recordDamage(
                .readFailed(path: path, packetNumber: packetNumber, byteOffset: handle.fileOffset, message: message),
                path: path, report: &report)
        }
    }

    /// How reading an input ended.
    enum ReadEnd {
        /// Every record was read.
        case endOfInput
        /// The packet limit (`--max-packets`) is reached.
        case limitReached
        /// SIGINT or SIGTERM (`report.interrupted` is set).
        case interrupted
        /// The output failed; the consumer holds the error.
        case outputFailed
        /// The source failed at its `packetNumber`-th record.
        case failed(String, packetNumber: UInt64)
    }

    /// The read loop of every offline input, whatever the source (libpcap or tshark) and the ingestion path (the
    /// dissector): records counted, metered and summarised, the interruption flag and the output looked at every
    /// 4096 packets and whenever the source has waited 100 ms in vain (tshark slow to print), progress reported.
    func readRecords<Source: PacketSource, Dissector: FrameDissector, Consumer: PacketConsumer & ~Copyable>(
        from source: Source, dissector: Dissector, into consumer: inout Consumer,
        report: inout ConversionReport, packet: inout DecodedPacket, order: inout TimeOrder,
        summary: inout ConversionReport.InputSummary,
        progress: (report: (ConversionProgress) -> Void, bytesBefore: Int64, bytesTotal: Int64?)?
    ) -> ReadEnd {
        let limit = configuration.packetLimit ?? UInt64.max
        let unit = configuration.meter.timeUnit
        let packetsBefore = report.packetsRead
        var countdown = 4096
        var span = CaptureSpan()
        defer { span.record(into: &summary) }
        while true {
            if report.packetsRead >= limit { return .limitReached }
            switch source.next(timeoutMilliseconds: 100) {
            case .packet(let captured):
                report.packetsRead &+= 1
                span.note(captured)
                let outcome = dissector.meter(captured, into: &consumer, packet: &packet, order: &order, unit: unit)
                if outcome != .decoded { report.ignored[Int(outcome.rawValue)] &+= 1 }
                countdown -= 1
                if countdown == 0 {
                    countdown = 4096
                    if consumer.failed { return .outputFailed }
                    if interruptRequested.load(ordering: .relaxed) {
                        report.interrupted = true
                        return .interrupted
                    }
                    if let progress {
                        progress.report(
                            ConversionProgress(
                                bytesRead: progress.bytesBefore + (source.byteOffset ?? 0),
                                bytesTotal: progress.bytesTotal, packetsRead: report.packetsRead,
                                activeFlows: consumer.activeFlows))
                    }
                }
            case .endOfFile:
                return .endOfInput
            case .timeout:
                if consumer.failed { return .outputFailed }
                if interruptRequested.load(ordering: .relaxed) {
                    report.interrupted = true
                    return .interrupted
                }
            case .failed(let message):
                // A signal while libpcap or tshark's pipe is read fails the read: that is an interruption.
                if interruptRequested.load(ordering: .relaxed) {
                    report.interrupted = true
                    return .interrupted
                }
                return .failed(message, packetNumber: report.packetsRead - packetsBefore)
            }
        }
    }

    /// Reads one capture file through a tshark child (`--ingest tshark`); the link type is the file's, as libpcap
    /// reports it. Returns false when reading must stop (interrupted, packet limit, output failure, or input
    /// failure with `stopOnDamage`).
    func readTshark<Consumer: PacketConsumer & ~Copyable>(
        path: String, decoder: PacketDecoder, into consumer: inout Consumer,
        report: inout ConversionReport, packet: inout DecodedPacket, order: inout TimeOrder,
        summary: inout ConversionReport.InputSummary
    ) -> Bool {
        var options = configuration.tshark
        let limit = configuration.packetLimit ?? UInt64.max
        if report.packetsRead >= limit { return false }
        if configuration.packetLimit != nil { options.packetLimit = limit - report.packetsRead }
        let tshark: TsharkSource
        do {
            tshark = try TsharkSource(input: .file(path), options: options)
        } catch {
            let damage = error as? PcapError ?? .tsharkFailed(message: "\(error)", stderr: "")
            return recordDamage(damage, path: path, report: &report)
        }
        let end = readRecords(
            from: TsharkPacketSource(tshark: tshark, linkType: decoder.linkType), dissector: decoder, into: &consumer,
            report: &report, packet: &packet, order: &order,
            summary: &summary, progress: nil)
        var keepGoing: Bool
        switch end {
        case .endOfInput:
            keepGoing = true
        case .limitReached:
            keepGoing = false  // tshark was told the same limit: it ends by itself
        case .interrupted, .outputFailed:
            _ = try? tshark.close(killing: true)
            return false
        case .failed(let message, _):
            _ = try? tshark.close(killing: true)
            return recordDamage(
                .tsharkFailed(message: "reading '\(path)' \(message)", stderr: tshark.errorText),
                path: path, report: &report)
        }
        do {
            try tshark.close(killing: false)
        } catch {
            let damage = error as? PcapError ?? .tsharkFailed(message: "\(error)", stderr: "")
            keepGoing = recordDamage(damage, path: path, report: &report) && keepGoing
        }
        return keepGoing
    }

    /// Whether `path` is a regular file (opening it twice reads the same bytes); a missing path counts as one, so
    /// that validation reports it.
    static func isRereadable(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return true }
        return (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Whether `path` names a directory (following symbolic links).
    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func fileSize(_ path: String) -> Int64? {
        guard path != "-" else { return nil }
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }
}

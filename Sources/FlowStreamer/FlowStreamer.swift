#if canImport(Glibc)
import Glibc
#endif
import FlowCapture
import FlowMeter
import FlowPacket
import FlowWriters

/// Progress of a running conversion, for a progress line.
public struct ConversionProgress: Sendable {
    public var bytesRead: Int64
    public var bytesTotal: Int64?
    public var packetsRead: UInt64
    public var activeFlows: Int
}

/// The facade: captures in, rows out. `convert` reads every input in order as one capture (flows continue
/// across files; the clock carries over), meters it, and writes every flow.
public struct FlowStreamer {
    public var configuration: StreamerConfiguration

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
                    message: "--bpf cannot be used with --ingest tshark on capture files (tshark applies no capture filter when it reads a file)")
            }
            if inputs.contains("-") {
                throw PcapError.cannotOpen(
                    path: "-", message: "--ingest tshark reads capture files by name, not standard input")
            }
            if ChildProcess.which(configuration.tshark.executable) == nil {
                throw PcapError.tsharkMissing(path: configuration.tshark.executable)
            }
        }
        for path in inputs where path != "-" && Self.isRereadable(path) {
            let handle = try PcapHandle.openOffline(path: path)
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
    func run<Consumer: PacketConsumer>(
        inputs: [String], into consumer: inout Consumer, report: inout ConversionReport,
        progress: ((ConversionProgress) -> Void)?
    ) -> (MeterStatistics, Error?) {
        readAll(inputs: inputs, into: &consumer, report: &report, progress: progress)
        let statistics = consumer.finish()
        report.flowsWritten = consumer.rowsWritten
        return (statistics, consumer.outputError)
    }

    /// Reads every input in order into `consumer`, recording ignored packets and input damage in `report`.
    func readAll<Consumer: PacketConsumer>(
        inputs: [String], into consumer: inout Consumer, report: inout ConversionReport,
        progress: ((ConversionProgress) -> Void)?
    ) {
        let totalBytes = inputs.contains("-") ? nil : inputs.reduce(Int64(0)) { $0 + (Self.fileSize($1) ?? 0) }
        var bytesBefore: Int64 = 0
        var packet = DecodedPacket()
        let decodeTunnels = configuration.meter.decodeTunnels
        files: for path in inputs {
            let handle: PcapHandle
            do {
                handle = try PcapHandle.openOffline(path: path)
                if let bpf = configuration.bpfFilter { try handle.setFilter(bpf) }
            } catch {
                // A signal while libpcap reads the header interrupts it (EINTR): that is an interruption,
                // not a damaged input.
                if interruptRequested.load(ordering: .relaxed) {
                    report.interrupted = true
                } else {
                    report.inputError = error as? PcapError ?? .cannotOpen(path: path, message: "\(error)")
                }
                break files
            }
            let linkType = handle.linkType
            if !linkType.isSupported {
                report.inputError = .unsupportedLinkType(
                    path: path, linkType: linkType.rawValue, name: linkType.description)
                break files
            }
            let decoder = PacketDecoder(linkType: linkType, decodeTunnels: decodeTunnels)
            if configuration.ingest == .tshark {
                if !readTshark(
                    path: path, decoder: decoder, into: &consumer, report: &report, packet: &packet)
                {
                    break files
                }
                bytesBefore += Self.fileSize(path) ?? 0
                continue files
            }
            let objects = configuration.ingest == .object ? ObjectDissector(decoder: decoder) : nil
            let limit = configuration.packetLimit ?? UInt64.max
            var countdown = 4096
            reading: while true {
                if report.packetsRead >= limit { break files }
                switch handle.next() {
                case .packet(let captured):
                    report.packetsRead &+= 1
                    let outcome = Self.meter(captured, decoder: decoder, objects: objects, into: &consumer, packet: &packet)
                    if outcome != .decoded { report.ignored[Int(outcome.rawValue)] &+= 1 }
                    countdown -= 1
                    if countdown == 0 {
                        countdown = 4096
                        if consumer.failed { break files }
                        if interruptRequested.load(ordering: .relaxed) {
                            report.interrupted = true
                            break files
                        }
                        if let progress {
                            progress(
                                ConversionProgress(
                                    bytesRead: bytesBefore + (handle.fileOffset ?? 0), bytesTotal: totalBytes,
                                    packetsRead: report.packetsRead, activeFlows: consumer.activeFlows))
                        }
                    }
                case .endOfFile, .timeout:
                    break reading
                case .failed(let message):
                    if interruptRequested.load(ordering: .relaxed) {
                        report.interrupted = true
                        break files
                    }
                    report.inputError = .readFailed(
                        path: path, packetNumber: report.packetsRead, byteOffset: handle.fileOffset,
                        message: message)
                    break files
                }
            }
            bytesBefore += Self.fileSize(path) ?? 0
        }
    }

    /// Decodes one captured record (through the per-layer objects with `--ingest object`) and hands it to the
    /// consumer; the outcome says why a record was ignored. Shared by the file, tshark and live read loops.
    @inline(__always)
    static func meter<Consumer: PacketConsumer>(
        _ captured: CapturedPacket, decoder: PacketDecoder, objects: ObjectDissector?, into consumer: inout Consumer,
        packet: inout DecodedPacket
    ) -> DecodeOutcome {
        if let objects {
            let (object, outcome) = objects.dissect(
                captured.bytes, wireLength: captured.wireLength, seconds: captured.seconds,
                microseconds: captured.microseconds)
            guard let object else { return outcome }
            packet = objects.decodedPacket(from: object)
            object.original.withUnsafeBytes { consumer.consume(&packet, frame: $0) }
            return .decoded
        }
        let outcome = decoder.decode(captured.bytes, wireLength: captured.wireLength, into: &packet)
        if outcome == .decoded {
            packet.timeMilliseconds = DecodedPacket.milliseconds(
                seconds: captured.seconds, microseconds: captured.microseconds)
            consumer.consume(&packet, frame: captured.bytes)
        }
        return outcome
    }

    /// Reads one capture file through a tshark child (`--ingest tshark`); the link type is the file's, as libpcap
    /// reports it. Returns false when reading must stop (interrupted, packet limit, output or input failure).
    func readTshark<Consumer: PacketConsumer>(
        path: String, decoder: PacketDecoder, into consumer: inout Consumer, report: inout ConversionReport,
        packet: inout DecodedPacket
    ) -> Bool {
        var options = configuration.tshark
        let limit = configuration.packetLimit ?? UInt64.max
        if report.packetsRead >= limit { return false }
        if configuration.packetLimit != nil { options.packetLimit = limit - report.packetsRead }
        let source: TsharkSource
        do {
            source = try TsharkSource(input: .file(path), options: options)
        } catch {
            report.inputError = error as? PcapError ?? .tsharkFailed(message: "\(error)", stderr: "")
            return false
        }
        var keepGoing = true
        var stoppedEarly = false
        var countdown = 4096
        reading: while true {
            let (result, _) = source.next()
            switch result {
            case .packet(let captured):
                report.packetsRead &+= 1
                let outcome = Self.meter(captured, decoder: decoder, objects: nil, into: &consumer, packet: &packet)
                if outcome != .decoded { report.ignored[Int(outcome.rawValue)] &+= 1 }
                countdown -= 1
                if countdown == 0 {
                    countdown = 4096
                    if consumer.failed {
                        keepGoing = false
                        stoppedEarly = true
                        break reading
                    }
                }
                if interruptRequested.load(ordering: .relaxed) {
                    report.interrupted = true
                    keepGoing = false
                    stoppedEarly = true
                    break reading
                }
            case .endOfFile, .timeout:
                if report.packetsRead >= limit { keepGoing = false }
                break reading
            case .failed(let message):
                keepGoing = false
                stoppedEarly = true
                if interruptRequested.load(ordering: .relaxed) {
                    report.interrupted = true
                } else {
                    report.inputError = .tsharkFailed(message: "reading '\(path)' \(message)", stderr: source.errorText)
                }
                break reading
            }
        }
        do {
            try source.close(killing: stoppedEarly)
        } catch {
            if report.inputError == nil && !report.interrupted {
                report.inputError = error as? PcapError ?? .tsharkFailed(message: "\(error)", stderr: "")
            }
            return false
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

    static func fileSize(_ path: String) -> Int64? {
        guard path != "-" else { return nil }
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }
}

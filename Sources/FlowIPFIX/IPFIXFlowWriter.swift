#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlowMeter
import FlowPacket
import FlowWriters

/// Flow rows as IPFIX (RFC 7011) to a collector over UDP or TCP, or to an IPFIX file (RFC 5655).
///
/// Two templates, 256 for IPv4 flows and 257 for IPv6 flows, list every column of the schema as an information
/// element (``IPFIXElementMap``); with `typeRecords`, options template 258 carries an RFC 5610 type record (id,
/// enterprise, data type, name) for every enterprise element, so a collector can decode them without
/// configuration. Templates and type records open the stream (UDP: the first message and every `templateRefreshSeconds`). A message holds as many
/// records as fit in `mtu` bytes (UDP) or 65,535 (TCP, files); the sequence number counts data records sent before
/// it in the observation domain. Export times are the wall clock for collectors, and for files the end time of the
/// latest flow in the message (so a file depends only on its input and options).
public final class IPFIXFlowWriter: FlowWriter {
    /// Message size, template refresh, observation domain, element numbering and TCP reconnection.
    public struct Options: Sendable {
        /// Largest message over UDP, in bytes (`--ipfix-mtu`); TCP and files use 65,535.
        public var mtu = 1400
        /// Over UDP, the templates go out again every this many seconds (`--ipfix-template-refresh`).
        public var templateRefreshSeconds = 60.0
        /// The observation domain id of every message (`--ipfix-domain`).
        public var domain: UInt32 = 0
        /// Which information element each column becomes (IANA or enterprise-specific).
        public var elementMap = IPFIXElementMap(knownColumns: [])
        /// TCP (live capture): when the collector goes away, keep messages in a queue of at most `queueBytes`
        /// (then count the records dropped) and reconnect with backoff (0.5 s doubling to 30 s), without waiting
        /// on the network. Off: a lost connection is an error.
        public var reconnect = false
        /// Bound of the reconnection queue, in bytes of messages (16 MiB).
        public var queueBytes = 16 << 20
        /// Where reconnection news goes (lost, back, records dropped).
        public var log: (@Sendable (String) -> Void)? = nil
        /// RFC 5610 type records for the enterprise elements (off by default: nfdump 1.7.1 misreads the messages
        /// that carry them and drops their flows).
        public var typeRecords = false
        /// The defaults: 1400-byte UDP messages, templates every 60 s, domain 0, PEN 32473, no reconnection.
        public init() {}
    }

    /// Template id of IPv4 flow records.
    public static let ipv4Template: UInt16 = 256
    /// Template id of IPv6 flow records.
    public static let ipv6Template: UInt16 = 257
    /// Options template id of the RFC 5610 type records (with `typeRecords`).
    public static let typeRecordTemplate: UInt16 = 258

    let destination: IPFIXDestination
    let options: Options
    /// The collector's socket (nil for files; nil over TCP while the connection is lost).
    var socket: CollectorSocket?
    /// UDP: finished messages not sent yet, sent together when the batch is full, on a quiet link and at the end.
    var datagrams = DatagramBatch()
    let file: ByteSink?
    let maxMessage: Int
    var elements4: [IPFIXElement] = []
    var elements6: [IPFIXElement] = []
    var sourceColumn = -1
    var endColumn = -1
    var valuesPerRecord = -1
    var message = IPFIXMessageBuilder()
    /// Each column's encoding for IPv4 and IPv6 flows, in memory of their own (freed with the writer).
    var codes4 = UnsafeMutableBufferPointer<FieldCode>(start: nil, count: 0)
    var codes6 = UnsafeMutableBufferPointer<FieldCode>(start: nil, count: 0)
    /// The flow record being encoded, its memory reused.
    var record = IPFIXRecordEncoder()
    var sequence: UInt32 = 0
    // TCP reconnection.
    var pending: CollectorSocket?
    var queue: [(bytes: [UInt8], records: UInt32)] = []
    var queuedBytes = 0
    var nextAttempt = 0.0
    var backoff = 0.5
    var droppedWhileQueueFull: UInt64 = 0
    /// Records dropped because the queue was full while the collector was away (reported on `log`).
    public private(set) var recordsDropped: UInt64 = 0
    var lastTemplates = -Double.infinity
    var messageEndTime: UInt64 = 0
    /// Flow records encoded so far.
    public private(set) var rowsWritten: UInt64 = 0
    /// IPFIX messages sent or written so far.
    public private(set) var messagesSent: UInt64 = 0

    /// Opens the destination: a TCP collector is connected now (an error names host and port), a file gets its
    /// temporary name.
    public init(destination: IPFIXDestination, options: Options) throws {
        self.destination = destination
        self.options = options
        switch destination {
        case .udp(let host, let port):
            socket = try CollectorSocket(host: host, port: port, tcp: false, destination: destination.description)
            file = nil
            maxMessage = options.mtu
        case .tcp(let host, let port):
            socket = try CollectorSocket(host: host, port: port, tcp: true, destination: destination.description)
            file = nil
            maxMessage = 65535
        case .file(let path):
            socket = nil
            file = try FileSink(path: path)
            maxMessage = 65535
        }
        message.reserveCapacity(maxMessage)
    }

    var isFile: Bool { file != nil }

    static func wallSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Builds the IPv4 and IPv6 templates from the schema; throws when a template does not fit in one message.
    public func begin(schema: FlowSchema) throws {
        elements4 = options.elementMap.elements(for: schema, v6: false)
        elements6 = options.elementMap.elements(for: schema, v6: true)
        sourceColumn = schema.columns.firstIndex { $0.name == "src_ip" } ?? -1
        endColumn =
            schema.columns.firstIndex { $0.name == IPFIXCountersPlugin.flowEndMilliseconds }
            ?? schema.columns.firstIndex { $0.name == "bidirectional_last_seen_ms" } ?? -1
        valuesPerRecord = schema.columns.count - 1
        codes4.deallocate()
        codes6.deallocate()
        codes4 = .allocate(capacity: elements4.count)
        _ = codes4.initialize(from: elements4.map(FieldCode.init))
        codes6 = .allocate(capacity: elements6.count)
        _ = codes6.initialize(from: elements6.map(FieldCode.init))
        // Each template must fit in one message with its set header.
        let template = max(templateRecordSize(elements4), templateRecordSize(elements6))
        if 16 + 4 + template > maxMessage {
            throw IPFIXError.templateTooLarge(
                destination: destination.description, bytes: 16 + 4 + template, mtu: maxMessage)
        }
    }

    /// Room for `bytes` more in the open message: when they do not fit, the message is sent and a new one (without
    /// templates) begun.
    func makeRoom(_ bytes: Int) throws {
        if message.count + bytes > maxMessage {
            try sendMessage()
            beginMessage()
        }
    }

    func templateRecordSize(_ elements: [IPFIXElement]) -> Int {
        4 + elements.reduce(0) { $0 + ($1.enterprise == nil ? 4 : 8) }
    }

    /// The templates and the type records, from the open message on (in more messages when they do not fit in one).
    func appendTemplates() throws {
        for (id, elements) in [(Self.ipv4Template, elements4), (Self.ipv6Template, elements6)] {
            try makeRoom(message.cost(ofRecord: templateRecordSize(elements), inSet: 2))
            message.appendTemplate(id: id, elements: elements)
        }
        let enterprise = (elements4 + elements6).filter { $0.enterprise == options.elementMap.enterprise }
        var seen = Set<UInt32>()
        let unique = enterprise.filter { seen.insert(UInt32($0.id) << 8 | UInt32($0.type.rawValue)).inserted }
        guard options.typeRecords, !unique.isEmpty else { return }
        let scope = [
            IPFIXElement(id: 303, type: .unsigned16, name: "informationElementId"),
            IPFIXElement(id: 346, type: .unsigned32, name: "privateEnterpriseNumber"),
        ]
        let fields = [
            IPFIXElement(id: 339, type: .unsigned8, name: "informationElementDataType"),
            IPFIXElement(id: 341, type: .string, name: "informationElementName"),
        ]
        try makeRoom(message.cost(ofRecord: 6 + 4 * 4, inSet: 3))
        message.appendOptionsTemplate(id: Self.typeRecordTemplate, scope: scope, fields: fields)
        var typeRecord = IPFIXRecordEncoder()  // not `record`: it may hold the flow being written
        for element in unique {
            typeRecord.reset()
            typeRecord.unsigned(UInt64(element.id), width: 2)
            typeRecord.unsigned(UInt64(element.enterprise ?? 0), width: 4)
            typeRecord.unsigned(UInt64(element.type.rawValue), width: 1)
            Array(element.name.utf8).withUnsafeBytes { typeRecord.string($0) }
            try makeRoom(message.cost(ofRecord: typeRecord.buffer.count, inSet: Self.typeRecordTemplate))
            message.appendDataRecord(template: Self.typeRecordTemplate, typeRecord.buffer.bytes)
        }
    }

    /// Begins a message (its header only).
    func beginMessage() {
        let exportTime = isFile ? 0 : UInt32(truncatingIfNeeded: Int(Self.wallSeconds()))
        message.begin(exportTime: exportTime, sequence: sequence, domain: options.domain)
        messageEndTime = 0
    }

    /// Begins a message, with the templates first when they are due (UDP: every `templateRefreshSeconds`; TCP and
    /// files: once).
    func startMessage() throws {
        beginMessage()
        let now = isFile ? 0 : Self.wallSeconds()
        let due: Bool
        switch destination {
        case .udp: due = now - lastTemplates >= options.templateRefreshSeconds
        case .tcp, .file: due = lastTemplates == -Double.infinity
        }
        if due {
            lastTemplates = now
            try appendTemplates()
        }
    }

    /// Sends the open message, if it holds any data record or templates.
    func sendMessage() throws {
        guard !message.isEmpty else { return }
        let records = message.dataRecords
        // The builder keeps its buffer from message to message: nothing is allocated or grown per message.
        if isFile {
            // Files: the export time is the end of the latest flow in the message, in seconds.
            message.close()
            message.setExportTime(UInt32(truncatingIfNeeded: messageEndTime / 1000))
            try message.bytes.withUnsafeBytes { try file!.write($0) }
            sequence &+= records
        } else if case .tcp = destination {
            let bytes = message.finish()  // the queue may keep it; the builder then starts a buffer of its own
            message.reset()
            try transmitTCP(bytes, records: records)
        } else {
            message.close()
            datagrams.append(message.bytes)
            sequence &+= records
            if datagrams.isFull { try sendDatagrams() }
        }
        messagesSent += 1
        message.reset()
    }

    /// UDP: sends the datagrams the batch holds.
    func sendDatagrams() throws {
        guard let socket, !datagrams.ends.isEmpty else { return }
        defer { datagrams.removeAll() }
        try socket.transmitDatagrams(datagrams)
    }

    /// Sends a message over TCP with the session's sequence number, or queues it while the collector is away.
    func transmitTCP(_ message: [UInt8], records: UInt32) throws {
        if let connected = socket, queue.isEmpty {
            var bytes = message
            for k in 0..<4 { bytes[8 + k] = UInt8(truncatingIfNeeded: sequence >> UInt32(24 - 8 * k)) }
            do {
                try connected.transmit(bytes)
                sequence &+= records
                return
            } catch {
                guard options.reconnect else { throw error }
                socket = nil
                nextAttempt = Self.wallSeconds() + backoff
                options.log?(
                    "IPFIX collector \(destination): \(error); queueing up to \(options.queueBytes >> 20) MiB and reconnecting"
                )
            }
        }
        if queuedBytes + message.count > options.queueBytes {
            recordsDropped += UInt64(records)
            return
        }
        queue.append((message, records))
        queuedBytes += message.count
    }

    /// While the TCP collector is away: tries to reconnect when it is time (never waiting on the network); once
    /// connected again, sends the templates (a new session) and the queued messages.
    func pumpReconnection() throws {
        guard case .tcp(let host, let port) = destination, options.reconnect, socket == nil else { return }
        let now = Self.wallSeconds()
        if pending == nil {
            guard now >= nextAttempt else { return }
            pending = try? CollectorSocket(
                host: host, port: port, tcp: true, destination: destination.description, nonBlocking: true)
            if pending == nil {
                backoff = min(backoff * 2, 30)
                nextAttempt = now + backoff
                return
            }
        }
        switch pending!.pollConnected() {
        case nil:
            if now - nextAttempt > 5 {  // a connection attempt that hangs is given up
                pending = nil
                backoff = min(backoff * 2, 30)
                nextAttempt = now + backoff
            }
            return
        case false?:
            pending = nil
            backoff = min(backoff * 2, 30)
            nextAttempt = now + backoff
            return
        case true?:
            break
        }
        socket = pending
        pending = nil
        backoff = 0.5
        sequence = 0  // a new transport session
        // The templates first, then what waited.
        let open = message
        let waiting = queue
        queue = []
        queuedBytes = 0
        message = IPFIXMessageBuilder()
        lastTemplates = -Double.infinity
        try startMessage()
        try sendMessage()
        var sent = 0
        for (bytes, records) in waiting {
            try transmitTCP(bytes, records: records)
            sent += Int(records)
        }
        message = open
        options.log?(
            "IPFIX collector \(destination): connected again; \(sent) queued records sent\(recordsDropped > 0 ? ", \(recordsDropped) dropped so far (queue full)" : "")"
        )
    }

    /// Encodes one row as a data record of the IPv4 or IPv6 template, sending the open message first when it is full.
    public func write(_ row: FlowRow) throws {
        guard row.record.valueCount == valuesPerRecord else {
            throw WriterError.rowDoesNotMatchSchema(
                path: destination.description, id: row.id, values: row.record.valueCount + 1,
                columns: valuesPerRecord + 1)
        }
        if socket == nil, case .tcp = destination { try pumpReconnection() }
        record.reset()
        var sink = IPFIXRowSink(
            record: record, codes4: UnsafeBufferPointer(codes4), codes6: UnsafeBufferPointer(codes6),
            sourceColumn: sourceColumn, endColumn: endColumn)
        row.replay(into: &sink)
        record = sink.record
        let template = sink.v6 ? Self.ipv6Template : Self.ipv4Template
        let size = record.buffer.count
        if message.isEmpty { try startMessage() }
        if message.count + message.cost(ofRecord: size, inSet: template) > maxMessage {
            try sendMessage()
            try startMessage()
            if message.count + message.cost(ofRecord: size, inSet: template) > maxMessage {
                throw IPFIXError.recordTooLarge(
                    destination: destination.description, bytes: 16 + 4 + size, mtu: maxMessage)
            }
        }
        message.appendDataRecord(template: template, record.buffer.bytes)
        messageEndTime = max(messageEndTime, sink.endTime)
        rowsWritten += 1
    }

    /// A quiet moment: retries a lost TCP collector and sends the open message and the UDP datagrams waiting.
    public func idle() throws {
        try pumpReconnection()
        if !isFile { try sendMessage() }
        try sendDatagrams()
    }

    /// Sends what is left (the templates even without flows), finishes a file, and logs records never delivered.
    public func finish() throws {
        try pumpReconnection()
        if message.isEmpty && lastTemplates == -Double.infinity { try startMessage() }  // templates even without flows
        try sendMessage()
        try sendDatagrams()
        try file?.finish()
        let lost = recordsDropped + queue.reduce(0) { $0 + UInt64($1.records) }
        if lost > 0 {
            options.log?(
                "IPFIX collector \(destination): \(lost) flow records were not delivered (the collector was away)")
        }
    }

    /// Removes a file's temporary file; nothing for a collector.
    public func abandon() {
        file?.abandon()
    }

    deinit {
        codes4.deallocate()
        codes6.deallocate()
    }
}

import FlowMeter
import FlowPacket

/// NFStream's nine application columns (`n_dissections` > 0), from nDPI: the first `dissections` packets of each
/// flow go to nDPI (from the IP header on, the captured bytes, ms time); dissection stops as soon as nDPI has named
/// the application and wants no more packets; a flow still unnamed after `dissections` packets, or when it ends,
/// gets nDPI's guess (`application_is_guessed` 1 when nDPI had to guess).
///
/// Each meter's store owns one nDPI detection module (nDPI is not thread-safe). A flow's nDPI state is taken when
/// the flow starts and given back as soon as detection is final, keeping only the result strings, so memory stays
/// bounded by the flows being dissected at once. TLS client fingerprints are JA4, computed by us from the
/// ClientHello (nDPI 4.2 only knows JA3).
public struct ApplicationPlugin: FeaturePlugin {
    /// Per-flow result (and, while dissection runs, the nDPI state).
    public struct State {
        /// "Master.App", e.g. "TLS.YouTube", "DNS", "Unknown".
        public var applicationName = ""
        public var categoryName = ""
        public var isGuessed = false
        /// nDPI 5.0's numbering (see `NDPIDetector.confidence`).
        public var confidence: UInt8 = 0
        public var requestedServerName = ""
        public var clientFingerprint = ""
        public var serverFingerprint = ""
        public var userAgent = ""
        public var contentType = ""
        /// 0 detecting, 1 detected but nDPI wants more packets, 2 final.
        var stage: UInt8 = 0
        var detection = Detection()
        var ja4 = ""
        var hello = ClientHelloAssembler()
        /// Detection is final on a mail protocol: keep looking for a STARTTLS ClientHello in the window.
        var helloMayFollow = false
        #if NDPI
        var handle: NDPIDetector.FlowHandle? = nil
        #endif

        /// Whether detection is over for this flow (its nDPI state is released).
        public var isFinal: Bool { stage == 2 }
    }

    /// Protocol ids of a detection (nDPI's master, app and category).
    struct Detection {
        var master: UInt16 = 0
        var app: UInt16 = 0
        var category: UInt32 = 0
    }

    /// How many packets of each flow at most go to nDPI (NFStream's `n_dissections`, 1…255).
    public let dissections: Int

    /// A plugin giving each flow's first `dissections` packets to nDPI. Throws when this build has no nDPI (the
    /// NDPI package trait is off) or nDPI cannot start.
    public init(dissections: Int = 20) throws(ApplicationDetectionError) {
        guard (1...255).contains(dissections) else {
            throw ApplicationDetectionError(function: "", message: "dissections must be between 1 and 255 (got \(dissections))")
        }
        #if NDPI
        _ = try NDPIDetector()  // fail here, with a message, rather than in a meter thread
        #else
        throw ApplicationDetectionError.unavailable
        #endif
        self.dissections = dissections
    }

    public var name: String { "application" }
    public var needsPacketBytes: Bool { true }

    public var columns: [FeatureColumn] { Self.columns }

    /// The nine columns, in NFStream's order.
    public static let columns: [FeatureColumn] = [
        .init("application_name", .text, "nDPI application, as Master.App (e.g. TLS.YouTube, DNS, Unknown)"),
        .init("application_category_name", .text, "nDPI category of the application (e.g. Web, Network)"),
        .init("application_is_guessed", .integer, "1 when nDPI guessed the application (from ports or addresses)"),
        .init("application_confidence", .integer, "0 unknown, 1 by port, 5 DPI cache, 6 DPI, 7 by IP (nDPI 5.0 numbers)"),
        .init("requested_server_name", .text, "TLS/QUIC SNI, HTTP Host, DNS query name, DHCP host name …"),
        .init("client_fingerprint", .text, "JA4 (TLS over TCP, DTLS), HASSH client (SSH), DHCP fingerprint"),
        .init("server_fingerprint", .text, "JA3S (TLS), HASSH server (SSH)"),
        .init("user_agent", .text, "HTTP user agent"),
        .init("content_type", .text, "HTTP response content type"),
    ]

    public func makeState() -> State { State() }

    /// Clears in place: the ClientHello buffer keeps its memory.
    public func reset(_ state: inout State) {
        var hello = state.hello
        hello.reset()
        state = State()
        state.hello = hello
    }

    public func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
        sink.appendText(state.applicationName)
        sink.appendText(state.categoryName)
        sink.appendUnsigned(state.isGuessed ? 1 : 0)
        sink.appendUnsigned(UInt64(state.confidence))
        sink.appendText(state.requestedServerName)
        sink.appendText(state.clientFingerprint)
        sink.appendText(state.serverFingerprint)
        sink.appendText(state.userAgent)
        sink.appendText(state.contentType)
    }

    #if NDPI
    public func makeStore() -> PluginStore { ApplicationStore(plugin: self) }
    #endif

    /// The JA4 to print: nDPI 5.0 writes "d" (domain) when the flow has a host name that is not an address,
    /// whether it came from the hello's SNI or from the protocol before it (an SMTP greeting before STARTTLS), and
    /// "i" otherwise; NFStream prints nDPI's value.
    static func ja4(_ ja4: String, serverName: String) -> String {
        var bytes = Array(ja4.utf8)
        guard bytes.count > 3, bytes[3] == UInt8(ascii: "i"), !serverName.isEmpty,
            !JA4.isAddressLiteral(Array(serverName.utf8)[...])
        else { return ja4 }
        bytes[3] = UInt8(ascii: "d")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The TCP segment's sequence number (the TCP header sits right before the payload).
    @inline(__always)
    static func tcpSequence(_ packet: borrowing PacketContext) -> UInt32? {
        let p = packet.packet
        let headerLength = Int(p.transportSize) - Int(p.payloadSize)
        let tcp = Int(p.payloadOffset) - headerLength
        guard headerLength >= 20, tcp >= 0, tcp + 8 <= packet.frame.count else { return nil }
        let f = packet.frame
        return UInt32(f[tcp + 4]) << 24 | UInt32(f[tcp + 5]) << 16 | UInt32(f[tcp + 6]) << 8 | UInt32(f[tcp + 7])
    }
}

#if NDPI
/// `ApplicationPlugin`'s store: one per meter, owning that meter's nDPI detection module.
final class ApplicationStore: TypedPluginStore<ApplicationPlugin> {
    let detector: NDPIDetector

    override init(plugin: ApplicationPlugin) {
        do {
            detector = try NDPIDetector()
        } catch {
            fatalError("\(error)")  // ApplicationPlugin.init already created one successfully
        }
        super.init(plugin: plugin)
    }

    deinit {
        for i in 0..<capacity {
            if let handle = states[i].handle { detector.release(handle) }
        }
    }

    /// nDPI flow states in use (0 when every flow has finished detection).
    var liveFlows: Int { detector.liveFlows }

    override func start(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>) -> PluginAction {
        let s = states + Int(slot)
        if let handle = s.pointee.handle { detector.release(handle) }  // not expected: expiry releases it
        plugin.reset(&s.pointee)
        s.pointee.handle = detector.makeFlow()
        dissect(s, flow: flow, packet: packet)
        return .keep
    }

    override func observe(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>) -> PluginAction {
        let s = states + Int(slot)
        guard flow.pointee.packets <= UInt64(plugin.dissections) else { return .keep }
        if s.pointee.stage < 2 {
            dissect(s, flow: flow, packet: packet)
        } else if s.pointee.helloMayFollow && s.pointee.ja4.isEmpty && s.pointee.hello.isCollecting {
            // nDPI named a mail protocol and is done, but its STARTTLS hello may still come in the window.
            collectHello(s, packet: packet)
            if !s.pointee.ja4.isEmpty {
                s.pointee.clientFingerprint = ApplicationPlugin.ja4(s.pointee.ja4, serverName: s.pointee.requestedServerName)
            }
        }
        return .keep
    }

    override func expire(slot: Int32, flow: UnsafePointer<Flow>) {
        let s = states + Int(slot)
        if s.pointee.stage == 0 {
            giveUp(s)
        } else if s.pointee.stage == 1 {
            finish(s, guessed: false)
        }
    }

    override func write<Sink: FlowFieldSink>(slot: Int32, flow: UnsafePointer<Flow>, to sink: inout Sink) {
        plugin.write(states[Int(slot)], flow: flow.pointee, to: &sink)
    }

    private func dissect(
        _ s: UnsafeMutablePointer<ApplicationPlugin.State>, flow: UnsafePointer<Flow>,
        packet: UnsafePointer<PacketContext>
    ) {
        guard let handle = s.pointee.handle else { return }
        let p = packet.pointee
        collectHello(s, packet: packet)
        let d = detector.process(handle, ipPacket: p.ipPacket, timeMilliseconds: p.packet.timeMilliseconds)
        if d.app != 0 {
            s.pointee.detection = ApplicationPlugin.Detection(master: d.master, app: d.app, category: d.category)
            if s.pointee.stage == 0 { s.pointee.stage = 1 }
            if !detector.wantsMorePackets(handle) || flow.pointee.packets >= UInt64(plugin.dissections) {
                finish(s, guessed: false)
            }
        } else if flow.pointee.packets >= UInt64(plugin.dissections) {
            if s.pointee.stage == 0 { giveUp(s) } else { finish(s, guessed: false) }
        }
    }

    /// Feeds a client packet to the ClientHello assembler (TCP) or the DTLS hello parser (UDP).
    @inline(__always)
    private func collectHello(_ s: UnsafeMutablePointer<ApplicationPlugin.State>, packet: UnsafePointer<PacketContext>) {
        let p = packet.pointee
        guard p.direction == 0 && p.packet.payloadSize > 0 else { return }
        if p.packet.ipProtocol == 6 && s.pointee.hello.isCollecting, let sequence = ApplicationPlugin.tcpSequence(p) {
            if let ja4 = s.pointee.hello.add(segment: p.payload, sequence: sequence) { s.pointee.ja4 = ja4 }
        } else if p.packet.ipProtocol == 17 && s.pointee.ja4.isEmpty && p.packet.payloadSize > 25 {
            if let ja4 = JA4.fingerprint(dtlsDatagram: p.payload) { s.pointee.ja4 = ja4 }
        }
    }

    private func giveUp(_ s: UnsafeMutablePointer<ApplicationPlugin.State>) {
        guard let handle = s.pointee.handle else { return }
        let (d, guessed) = detector.giveUp(handle)
        s.pointee.detection = ApplicationPlugin.Detection(master: d.master, app: d.app, category: d.category)
        finish(s, guessed: guessed)
    }

    /// Reads the results into the state and releases the flow's nDPI state.
    private func finish(_ s: UnsafeMutablePointer<ApplicationPlugin.State>, guessed: Bool) {
        guard let handle = s.pointee.handle else { return }
        let d = s.pointee.detection
        let detection = NDPIDetector.Detection(master: d.master, app: d.app, category: d.category)
        s.pointee.applicationName = detector.applicationName(detection)
        s.pointee.categoryName = detector.categoryName(detection)
        s.pointee.isGuessed = guessed
        s.pointee.confidence = detector.confidence(handle)
        let m = detector.metadata(handle, detection: detection)
        s.pointee.requestedServerName = m.serverName
        s.pointee.serverFingerprint = m.sshServer.isEmpty ? m.tlsServer : m.sshServer
        if !m.dhcpFingerprint.isEmpty {
            s.pointee.clientFingerprint = m.dhcpFingerprint
        } else if !m.sshClient.isEmpty {
            s.pointee.clientFingerprint = m.sshClient
        } else if m.isTLSLike || m.mayUpgradeToTLS {
            // Also for mail after STARTTLS, which nDPI 4.2 leaves as POP3/SMTP/IMAP and 5.0 follows.
            s.pointee.clientFingerprint = ApplicationPlugin.ja4(s.pointee.ja4, serverName: m.serverName)
        }
        s.pointee.helloMayFollow = m.mayUpgradeToTLS
        s.pointee.userAgent = m.userAgent
        s.pointee.contentType = m.contentType
        detector.release(handle)
        s.pointee.handle = nil
        s.pointee.stage = 2
    }
}
#endif

/// Whether this build can detect applications, and why not.
public enum ApplicationDetection {
    /// True when flowmeter was built with the NDPI trait (the default).
    public static var isAvailable: Bool {
        #if NDPI
        return true
        #else
        return false
        #endif
    }

    /// The nDPI library version, or nil without nDPI.
    public static var libraryVersion: String? {
        #if NDPI
        return NDPIDetector.version
        #else
        return nil
        #endif
    }

    /// nDPI flow states in use in a meter's store of `ApplicationPlugin` (for tests and diagnostics); nil for other
    /// stores.
    public static func liveFlows(in store: PluginStore) -> Int? {
        #if NDPI
        return (store as? ApplicationStore)?.liveFlows
        #else
        return nil
        #endif
    }
}

/// Application detection could not start.
public struct ApplicationDetectionError: Error, CustomStringConvertible, Sendable {
    /// The nDPI function that failed ("" when none was called).
    public var function: String
    public var message: String

    public var description: String { function.isEmpty ? message : "\(function): \(message)" }

    /// This build has no nDPI.
    public static let unavailable = ApplicationDetectionError(
        function: "",
        message:
            "application detection is unavailable: flowmeter was built without nDPI (package trait NDPI off); install libndpi-dev and build with the default traits")
}

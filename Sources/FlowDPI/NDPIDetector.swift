#if NDPI
import CNDPI
import Synchronization

/// Detection modules are made (and, to be safe, closed) one at a time: nDPI 4.2's `ndpi_init_detection_module`
/// writes process-wide state without a lock. The first call initialises libgcrypt; one call fills the bigram and
/// trigram bitmaps of its host-name checks behind a plain flag (`ndpi_xgrams_inited`), with read-modify-writes of
/// shared words, so two calls at once could lose bits for good; and every call counts Patricia trees in a plain
/// integer. So a second meter's module (15–25 ms of CPU) cannot be made beside the first. Meters are made one
/// after another, but tests and library users may make them from several threads.
private let moduleLifecycle = Mutex<Void>(())

/// Detectors whose meter has ended, kept for the next meter: starting a module costs 15–25 ms of CPU (its
/// protocol tables and automata), which `ApplicationPlugin.init`'s check, every test and every fuzzer input would
/// otherwise pay again. A reused detector behaves as a new one: its cross-flow caches are emptied before every
/// nDPI call and its free flow states are zeroed. At most as many are kept as were ever in use at once.
private let idleDetectors = Mutex<[NDPIDetector]>([])

/// One nDPI 4.2 detection module and the per-flow nDPI states it dissects: the only type that calls nDPI.
///
/// nDPI's module is not thread-safe, so each meter owns one detector (through its `ApplicationStore`) and calls it
/// from its own thread only. Flow states (`ndpi_flow_struct`, about 700 bytes plus whatever the dissectors
/// allocate) come from a free list: `makeFlow()` hands one out, `release(_:)` frees what nDPI allocated inside it
/// and returns it to the list, so a long capture needs at most as many as flows are being dissected at once.
public final class NDPIDetector: @unchecked Sendable {  // used by one thread at a time; handed over by the pool
    /// A flow state handed out by `makeFlow()`.
    public typealias FlowHandle = OpaquePointer

    /// What nDPI said about a flow: master and application protocol ids and the category id.
    public struct Detection: Equatable, Sendable {
        /// The master protocol id (TLS in TLS.YouTube); 0 when there is none.
        public var master: UInt16
        /// The application protocol id (YouTube in TLS.YouTube); 0 for Unknown.
        public var app: UInt16
        /// nDPI's category id (`ndpi_protocol_category_t`).
        public var category: UInt32
        /// Whether nDPI named an application (`app` is not Unknown).
        public var isKnown: Bool { app != 0 || master != 0 }
    }

    private let module: UnsafeMutablePointer<ndpi_detection_module_struct>
    private let flowSize: Int
    private var freeFlows: [OpaquePointer] = []
    /// Flow states handed out and not yet released (0 once every flow has finished dissection).
    public private(set) var liveFlows = 0
    /// Flow states allocated so far (the free list's high-water mark).
    public private(set) var allocatedFlows = 0
    /// How many times a cross-flow cache was found and freed (see `process`).
    public private(set) var cachesForgotten = 0
    private var names: [UInt32: String] = [:]
    private var categories: [UInt32: String] = [:]

    /// A detector for one meter: an idle one from an ended meter, or a new one. Give it back with `recycle`.
    public static func acquire() throws(ApplicationDetectionError) -> NDPIDetector {
        if let idle = idleDetectors.withLock({ $0.popLast() }) { return idle }
        return try NDPIDetector()
    }

    /// Keeps a detector whose every flow state was released (`liveFlows` 0) for the next `acquire`.
    public static func recycle(_ detector: NDPIDetector) {
        precondition(detector.liveFlows == 0, "a detector is recycled with flow states still in use")
        idleDetectors.withLock { $0.append(detector) }
    }

    /// A detection module with every protocol enabled.
    public init() throws(ApplicationDetectionError) {
        let made: UnsafeMutablePointer<ndpi_detection_module_struct>? = moduleLifecycle.withLock { _ in
            guard let module = ndpi_init_detection_module(ndpi_init_prefs(ndpi_no_prefs.rawValue)) else { return nil }
            flowmeter_ndpi_enable_all_protocols(module)
            ndpi_finalize_initialization(module)
            return module
        }
        guard let module = made else {
            throw ApplicationDetectionError(
                function: "ndpi_init_detection_module", message: "nDPI could not create a detection module")
        }
        guard flowmeter_ndpi_caches_unset(module) != 0 else {
            moduleLifecycle.withLock { _ in ndpi_exit_detection_module(module) }
            throw ApplicationDetectionError(
                function: "ndpi_init_detection_module",
                message: "this libndpi's module layout is not the one its headers describe (expected nDPI 4.2)")
        }
        self.module = module
        flowSize = Int(ndpi_detection_get_sizeof_ndpi_flow_struct())
    }

    deinit {
        for flow in freeFlows { ndpi_flow_free(UnsafeMutableRawPointer(flow)) }
        let module = self.module
        moduleLifecycle.withLock { _ in ndpi_exit_detection_module(module) }
    }

    /// nDPI's version text, e.g. "4.2.0".
    public static var version: String { String(cString: ndpi_revision()) }

    /// A zeroed flow state for a flow that starts dissection.
    public func makeFlow() -> FlowHandle {
        liveFlows += 1
        if let flow = freeFlows.popLast() { return flow }
        allocatedFlows += 1
        let raw = ndpi_flow_malloc(flowSize)!
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: flowSize)
        return OpaquePointer(raw)
    }

    /// Frees what nDPI allocated for the flow and keeps the state for the next flow.
    public func release(_ flow: FlowHandle) {
        ndpi_free_flow_data(ptr(flow))
        UnsafeMutableRawPointer(flow).initializeMemory(as: UInt8.self, repeating: 0, count: flowSize)
        freeFlows.append(flow)
        liveFlows -= 1
    }

    /// Gives one packet (from the IP header on, the captured bytes) to nDPI.
    ///
    /// nDPI keeps a few caches across flows (a server address seen in one flow labels a later one: Ookla, STUN,
    /// Teams, TLS certificates …). With one module per meter thread, what a flow finds there would depend on which
    /// flows share its thread, and the output on `--threads`. So they are emptied before every call: each flow is
    /// labelled from its own packets alone, and the output is the same for any number of threads. (nDPI creates
    /// them again only when a dissector needs one, so this costs a few pointer tests per packet.)
    @inline(__always)
    public func process(_ flow: FlowHandle, ipPacket: UnsafeRawBufferPointer, timeMilliseconds: UInt64) -> Detection {
        guard let base = ipPacket.baseAddress, ipPacket.count > 0 else {
            return Detection(master: 0, app: 0, category: 0)
        }
        let length = UInt16(min(ipPacket.count, Int(UInt16.max)))
        cachesForgotten &+= Int(flowmeter_ndpi_forget_caches(module))
        let p = ndpi_detection_process_packet(
            module, ptr(flow), base.assumingMemoryBound(to: UInt8.self), length, timeMilliseconds)
        return Detection(master: p.master_protocol, app: p.app_protocol, category: p.category.rawValue)
    }

    /// Whether nDPI still wants packets of a detected flow (to read a certificate, a response header …).
    public func wantsMorePackets(_ flow: FlowHandle) -> Bool {
        ndpi_extra_dissection_possible(module, ptr(flow)) != 0
    }

    /// nDPI's final answer for an undetected flow, guessing from ports and addresses; `guessed` says whether it
    /// had to guess.
    public func giveUp(_ flow: FlowHandle) -> (detection: Detection, guessed: Bool) {
        var guessed: UInt8 = 0
        cachesForgotten &+= Int(flowmeter_ndpi_forget_caches(module))
        let p = ndpi_detection_giveup(module, ptr(flow), 1, &guessed)
        return (Detection(master: p.master_protocol, app: p.app_protocol, category: p.category.rawValue), guessed != 0)
    }

    /// "Master.App" text, e.g. "TLS.YouTube", "DNS", "Unknown" (cached per protocol pair).
    public func applicationName(_ d: Detection) -> String {
        let key = UInt32(d.master) << 16 | UInt32(d.app)
        if let name = names[key] { return name }
        var proto = ndpi_protocol()
        proto.master_protocol = d.master
        proto.app_protocol = d.app
        var buffer = [CChar](repeating: 0, count: 64)
        let name = buffer.withUnsafeMutableBufferPointer { b in
            String(cString: ndpi_protocol2name(module, proto, b.baseAddress, UInt32(b.count)))
        }
        names[key] = name
        return name
    }

    /// The category's name, e.g. "Web", "Network".
    public func categoryName(_ d: Detection) -> String {
        if let name = categories[d.category] { return name }
        let text = ndpi_category_get_name(module, ndpi_protocol_category_t(rawValue: d.category))
        let name = text.map { String(cString: $0) } ?? ""
        categories[d.category] = name
        return name
    }

    /// The application nDPI's host list names for a server name (e.g. "www.youtube.com": YouTube, category Media),
    /// as nDPI matches a TLS or QUIC server name it read itself; nil when nothing matches.
    public func hostMatch(_ serverName: String) -> (app: UInt16, category: UInt32)? {
        guard !serverName.isEmpty else { return nil }
        var result = ndpi_protocol_match_result()
        var name = Array(serverName.utf8CString)
        let id = name.withUnsafeMutableBufferPointer {
            ndpi_match_string_subprotocol(module, $0.baseAddress, UInt32($0.count - 1), &result)
        }
        guard id > 0, id <= Int32(UInt16.max) else { return nil }
        return (UInt16(id), result.protocol_category.rawValue)
    }

    /// The flow's confidence in nDPI 5.0's numbering (what NFStream 6.6.0 prints): 0 unknown, 1 match by port,
    /// 5 DPI cache, 6 DPI, 7 match by IP. nDPI 4.2 numbers them 0, 1, 3, 4, 2 and has no other values.
    public func confidence(_ flow: FlowHandle) -> UInt8 {
        switch flowmeter_ndpi_confidence(ptr(flow)) {
        case 1: return 1
        case 2: return 7
        case 3: return 5
        case 4: return 6
        default: return 0
        }
    }

    /// The text fields nDPI filled in for the flow, chosen by protocol as NFStream does.
    public func metadata(_ flow: FlowHandle, detection d: Detection) -> Metadata {
        let f = ptr(flow)
        var m = Metadata()
        m.serverName = text(flowmeter_ndpi_host_server_name(f))
        func `is`(_ id: Int) -> Bool { Int(d.master) == id || Int(d.app) == id }
        m.isSSDP = `is`(ProtocolID.ssdp)
        if `is`(ProtocolID.dhcp) {
            m.dhcpFingerprint = text(flowmeter_ndpi_dhcp_fingerprint(f))
        } else if `is`(ProtocolID.ssh) {
            m.sshClient = text(flowmeter_ndpi_hassh_client(f))
            m.sshServer = text(flowmeter_ndpi_hassh_server(f))
        } else if ProtocolID.tlsLike.contains(where: { `is`($0) }) {
            m.tlsServer = text(flowmeter_ndpi_ja3_server(f))
            m.isTLSLike = true  // NFStream 6.6.0 prints no user agent for QUIC
            m.isQUIC = `is`(ProtocolID.quic)
        } else if ProtocolID.startTLSMail.contains(where: { `is`($0) }) {
            m.mayUpgradeToTLS = true
        } else if `is`(ProtocolID.http) {
            m.userAgent = text(flowmeter_ndpi_user_agent(f))
            m.contentType = text(flowmeter_ndpi_content_type(f))
        }
        return m
    }

    /// The text fields of a flow's nDPI state.
    public struct Metadata: Sendable {
        /// nDPI's `host_server_name`: SNI, HTTP Host, DNS query name, DHCP host name …
        public var serverName = ""
        /// DHCP fingerprint (DHCP flows).
        public var dhcpFingerprint = ""
        /// HASSH of the SSH client (SSH flows).
        public var sshClient = ""
        /// HASSH of the SSH server (SSH flows).
        public var sshServer = ""
        /// JA3S of the server's hello (TLS-like flows).
        public var tlsServer = ""
        /// HTTP User-Agent (HTTP flows).
        public var userAgent = ""
        /// HTTP response Content-Type (HTTP flows).
        public var contentType = ""
        /// TLS, DTLS, QUIC or TLS-wrapped mail (POPS, SMTPS, IMAPS).
        public var isTLSLike = false
        /// QUIC (NFStream 6.6.0 prints no user agent for it).
        public var isQUIC = false
        /// SSDP, whose server name the plugin reads itself (the `HOST` header of the flow's first UDP payload).
        public var isSSDP = false
        /// POP3, SMTP or IMAP, whose STARTTLS nDPI 4.2 does not follow (5.0 names them POPS, SMTPS, IMAPS).
        public var mayUpgradeToTLS = false
    }

    /// nDPI protocol ids the plugin cares about (ndpi_protocol_ids.h, stable across 4.x and 5.x).
    enum ProtocolID {
        static let http = 7
        static let dhcp = 18
        static let ssh = 92
        static let quic = 188
        static let ssdp = 12
        /// TLS, DTLS, QUIC and TLS-wrapped mail (POPS, SMTPS, IMAPS).
        static let tlsLike = [91, 30, 188, 23, 29, 51]
        /// POP3, SMTP, IMAP (STARTTLS).
        static let startTLSMail = [2, 3, 4]
    }

    @inline(__always)
    private func ptr(_ flow: FlowHandle) -> UnsafeMutablePointer<ndpi_flow_struct> {
        UnsafeMutablePointer<ndpi_flow_struct>(flow)
    }

    private func text(_ p: UnsafePointer<CChar>?) -> String {
        guard let p, p.pointee != 0 else { return "" }
        return String(cString: p)
    }
}
#endif

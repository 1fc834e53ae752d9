import FlowMeter
import FlowPacket

/// NFStream's nine application columns (`n_dissections` > 0), from nDPI: the first `dissections` packets of each
/// flow go to nDPI (from the IP header on, the captured bytes, ms time); dissection stops as soon as nDPI has named
/// the application and wants no more packets; a flow still unnamed after `dissections` packets, or when it ends,
/// gets nDPI's guess (`application_is_guessed` 1 when nDPI had to guess).
///
/// Each meter's copy of the plugin (`copyForMeter()`) owns one nDPI detection module (nDPI is not thread-safe). A flow's nDPI state is taken when
/// the flow starts and given back as soon as detection is final, keeping only the result strings, so memory stays
/// bounded by the flows being dissected at once. TLS client fingerprints are JA4, computed by us from the
/// ClientHello (nDPI 4.2 only knows JA3).
public struct ApplicationPlugin: FeaturePlugin {
    /// Per-flow result (and, while dissection runs, the nDPI state).
    public struct State {
        /// "Master.App", e.g. "TLS.YouTube", "DNS", "Unknown".
        public var applicationName = ""
        /// nDPI's category of the application, e.g. "Web", "Network" (`application_category_name`).
        public var categoryName = ""
        /// Whether nDPI had to guess the application, from ports or addresses (`application_is_guessed`).
        public var isGuessed = false
        /// nDPI 5.0's numbering (see `NDPIDetector.confidence`).
        public var confidence: UInt8 = 0
        /// TLS/QUIC SNI, HTTP Host, DNS query name, DHCP host name or SSDP host (`requested_server_name`).
        public var requestedServerName = ""
        /// JA4 (TLS, DTLS, QUIC), HASSH client (SSH) or DHCP fingerprint (`client_fingerprint`).
        public var clientFingerprint = ""
        /// JA3S (TLS) or HASSH server (SSH) (`server_fingerprint`).
        public var serverFingerprint = ""
        /// HTTP User-Agent (`user_agent`).
        public var userAgent = ""
        /// HTTP response Content-Type (`content_type`).
        public var contentType = ""
        /// 0 detecting, 1 detected but nDPI wants more packets, 2 final.
        var stage: UInt8 = 0
        var detection = Detection()
        var ja4 = ""
        var hello = ClientHelloAssembler()
        var quicHello = QUICHelloAssembler()
        /// The host of the flow's first UDP payload when it is an SSDP message ("" otherwise; nil until one is seen).
        var ssdpHost: String? = nil
        /// Detection is final, but the ClientHello may still come in the window: a mail protocol's STARTTLS, or the
        /// rest of a QUIC ClientHello spread over several Initial packets.
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
    /// The meter's time unit (nDPI is given packet times in milliseconds).
    public let timeUnit: TimeUnit
    #if NDPI
    /// The detection module of the meter this copy works for (nil in the value the configuration holds).
    var lease: DetectorLease? = nil
    #endif

    /// A plugin giving each flow's first `dissections` packets to nDPI. Throws when this build has no nDPI (the
    /// NDPI package trait is off) or nDPI cannot start.
    public init(dissections: Int = 20, timeUnit: TimeUnit = .milliseconds) throws(ApplicationDetectionError) {
        guard (1...255).contains(dissections) else {
            throw ApplicationDetectionError(
                function: "", message: "dissections must be between 1 and 255 (got \(dissections))")
        }
        #if NDPI
        // Fail here, with a message, rather than in a meter thread; the first meter then reuses this detector.
        NDPIDetector.recycle(try NDPIDetector.acquire())
        #else
        throw ApplicationDetectionError.unavailable
        #endif
        self.dissections = dissections
        self.timeUnit = timeUnit
    }

    /// `application`.
    public var name: String { "application" }
    /// True: nDPI and the ClientHello assemblers read the captured packets.
    public var needsPacketBytes: Bool { true }

    /// The nine application columns (``columns``).
    public var columns: [FeatureColumn] { Self.columns }

    /// The nine columns, in NFStream's order.
    public static let columns: [FeatureColumn] = [
        .init("application_name", .text, "nDPI application, as Master.App (e.g. TLS.YouTube, DNS, Unknown)"),
        .init("application_category_name", .text, "nDPI category of the application (e.g. Web, Network)"),
        .init("application_is_guessed", .integer, "1 when nDPI guessed the application (from ports or addresses)"),
        .init(
            "application_confidence", .integer, "0 unknown, 1 by port, 5 DPI cache, 6 DPI, 7 by IP (nDPI 5.0 numbers)"),
        .init("requested_server_name", .text, "TLS/QUIC SNI, HTTP Host, DNS query name, DHCP host name …"),
        .init("client_fingerprint", .text, "JA4 (TLS over TCP, DTLS, QUIC), HASSH client (SSH), DHCP fingerprint"),
        .init("server_fingerprint", .text, "JA3S (TLS), HASSH server (SSH)"),
        .init("user_agent", .text, "HTTP user agent"),
        .init("content_type", .text, "HTTP response content type"),
    ]

    /// An empty result, detection not started.
    public func makeState() -> State { State() }

    /// Clears in place: the TCP ClientHello buffer keeps its memory (a QUIC flow's buffers are freed when its hello
    /// is done).
    public func reset(_ state: inout State) {
        #if NDPI
        if let handle = state.handle { lease?.detector.release(handle) }  // not expected: expiry releases it
        #endif
        var hello = state.hello
        hello.reset()
        state = State()
        state.hello = hello
    }

    /// Writes the nine columns in NFStream's order (`application_is_guessed` as 0 or 1).
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

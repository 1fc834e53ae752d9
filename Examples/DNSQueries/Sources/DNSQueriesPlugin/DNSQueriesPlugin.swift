import FlowMeter
import FlowPacket

/// The first query name and type of a DNS-over-UDP flow (port 53) and the answer count and response code of
/// its first response. By default the flow ends with the response that answers its query (one DNS transaction
/// per flow, even when a resolver reuses its source port).
///
/// Columns: `dns_query_name` (text, empty when none), `dns_query_type` (integer, 0 when none),
/// `dns_answer_count` and `dns_response_code` (integers, -1 without a response).
public struct DNSQueriesPlugin: FeaturePlugin {
    public struct State {
        public var queryName = ""
        public var queryType: UInt16 = 0
        public var transactionID: UInt16 = 0
        public var sawQuery = false
        public var sawResponse = false
        public var answerCount: UInt16 = 0
        public var responseCode: UInt8 = 0
    }

    /// Whether a response to the flow's query ends the flow.
    public let endFlowAtResponse: Bool

    public init(endFlowAtResponse: Bool = true) {
        self.endFlowAtResponse = endFlowAtResponse
    }

    public var name: String { "dns" }

    public var columns: [FeatureColumn] {
        [
            FeatureColumn("dns_query_name", .text, "Name of the first DNS question (empty when none)"),
            FeatureColumn("dns_query_type", .integer, "QTYPE of the first question (1 A, 28 AAAA, …; 0 when none)"),
            FeatureColumn("dns_answer_count", .integer, "ANCOUNT of the first response (-1 without a response)"),
            FeatureColumn("dns_response_code", .integer, "RCODE of the first response (0 NOERROR, 3 NXDOMAIN; -1 without)"),
        ]
    }

    /// The hooks parse the UDP payload, so the meter must hand them the captured frames.
    public var needsPacketBytes: Bool { true }

    public func makeState() -> State { State() }

    public func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        observe(&state, packet: packet)
    }

    public func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        observe(&state, packet: packet)
    }

    func observe(_ state: inout State, packet: borrowing PacketContext) -> PluginAction {
        let p = packet.packet
        guard p.ipProtocol == 17, p.sourcePort == 53 || p.destinationPort == 53 else { return .keep }
        guard let message = DNSMessage(packet.payload) else { return .keep }
        if !message.isResponse {
            if !state.sawQuery {
                state.sawQuery = true
                state.queryName = message.questionName ?? ""
                state.queryType = message.questionType
                state.transactionID = message.id
            }
            return .keep
        }
        if state.sawResponse { return .keep }
        state.sawResponse = true
        state.answerCount = message.answerCount
        state.responseCode = message.responseCode
        if !state.sawQuery {
            // A response without its query (capture started late): take the question it repeats.
            state.queryName = message.questionName ?? ""
            state.queryType = message.questionType
            state.transactionID = message.id
            return .keep
        }
        return endFlowAtResponse && message.id == state.transactionID ? .expire : .keep
    }

    public func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
        sink.appendText(state.queryName)
        sink.appendUnsigned(UInt64(state.queryType))
        sink.appendSigned(state.sawResponse ? Int64(state.answerCount) : -1)
        sink.appendSigned(state.sawResponse ? Int64(state.responseCode) : -1)
    }
}

/// The parts of a DNS message (RFC 1035 §4.1) the plugin reads.
public struct DNSMessage {
    public var id: UInt16
    public var isResponse: Bool
    public var responseCode: UInt8
    public var questionCount: UInt16
    public var answerCount: UInt16
    /// The first question's name (dotted, without the final dot; "" for the root) and type, if there is one.
    public var questionName: String?
    public var questionType: UInt16 = 0

    /// Parses the header and the first question; nil when the bytes are not a DNS header.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 12 else { return nil }
        func u16(_ i: Int) -> UInt16 { UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]) }
        id = u16(0)
        let flags = u16(2)
        isResponse = flags & 0x8000 != 0
        responseCode = UInt8(flags & 0x000F)
        questionCount = u16(4)
        answerCount = u16(6)
        if questionCount > 0, let (name, end) = Self.readName(bytes, at: 12), end + 4 <= bytes.count {
            questionName = name
            questionType = u16(end)
        }
    }

    /// Reads a (possibly compressed) name at `offset`; returns it and the offset after it in the message.
    public static func readName(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (String, Int)? {
        var labels: [String] = []
        var i = offset
        var end: Int? = nil
        var jumps = 0
        var length = 0
        while true {
            guard i < bytes.count else { return nil }
            let n = Int(bytes[i])
            if n == 0 {
                i += 1
                break
            }
            if n & 0xC0 == 0xC0 {
                // Compression pointer: continue at the offset it names (bounded, so loops cannot hang us).
                guard i + 1 < bytes.count, jumps < 32 else { return nil }
                if end == nil { end = i + 2 }
                i = (n & 0x3F) << 8 | Int(bytes[i + 1])
                jumps += 1
                continue
            }
            guard n & 0xC0 == 0, i + 1 + n <= bytes.count else { return nil }
            length += n + 1
            guard length <= 255 else { return nil }
            labels.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(i + 1)..<(i + 1 + n)]), as: UTF8.self))
            i += 1 + n
        }
        return (labels.joined(separator: "."), end ?? i)
    }
}

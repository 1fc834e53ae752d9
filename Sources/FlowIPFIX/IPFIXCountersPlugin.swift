import FlowMeter
import FlowPacket

/// The counters IPFIX needs whatever `--accounting-mode` says, added to the schema only when the output is IPFIX:
/// IP bytes per direction (RFC 7012's `octetDeltaCount`: IP header and payload), link-layer bytes per direction
/// (`layer2OctetDeltaCount`) and RFC 5102's `flowEndReason`; with a `--time-unit` other than ms, the flow's start
/// and end in milliseconds too (`flowStartMilliseconds`, `flowEndMilliseconds`, which every collector reads; the
/// columns in µs or ns leave as enterprise elements). They leave as IANA elements, not as columns of their own.
public struct IPFIXCountersPlugin: FeaturePlugin {
    /// Column of IP bytes src→dst, exported as `octetDeltaCount`.
    public static let src2dstIPBytes = "ipfix_src2dst_ip_bytes"
    /// Column of IP bytes dst→src, exported as reverse `octetDeltaCount` (RFC 5103).
    public static let dst2srcIPBytes = "ipfix_dst2src_ip_bytes"
    /// Column of link-layer (wire) bytes src→dst, exported as `layer2OctetDeltaCount`.
    public static let src2dstLayer2Bytes = "ipfix_src2dst_layer2_bytes"
    /// Column of link-layer (wire) bytes dst→src, exported as reverse `layer2OctetDeltaCount`.
    public static let dst2srcLayer2Bytes = "ipfix_dst2src_layer2_bytes"
    /// Column of RFC 5102's `flowEndReason` (see ``endReason(_:)``).
    public static let flowEndReason = "ipfix_flow_end_reason"
    /// Column of the first packet time in ms (`flowStartMilliseconds`), present when the time unit is not ms.
    public static let flowStartMilliseconds = "ipfix_flow_start_ms"
    /// Column of the last packet time in ms (`flowEndMilliseconds`), present when the time unit is not ms.
    public static let flowEndMilliseconds = "ipfix_flow_end_ms"

    /// Per flow: IP bytes and raw (wire) bytes, each as (src→dst, dst→src).
    public struct State {
        var ipBytes: (UInt64, UInt64) = (0, 0)
        var layer2Bytes: (UInt64, UInt64) = (0, 0)
    }

    /// The meter's time unit.
    public let timeUnit: TimeUnit

    /// The plugin for a meter whose packet times are in `timeUnit` (adds the two ms columns unless it is ms).
    public init(timeUnit: TimeUnit = .milliseconds) {
        self.timeUnit = timeUnit
    }

    /// `ipfix`.
    public var name: String { "ipfix" }

    /// The IP and link-layer byte counts per direction and `flowEndReason`; the start and end in ms when the time
    /// unit is not ms.
    public var columns: [FeatureColumn] {
        [
            .init(Self.src2dstIPBytes, .integer, "IP header and payload bytes, src→dst (octetDeltaCount)"),
            .init(Self.dst2srcIPBytes, .integer, "IP header and payload bytes, dst→src (reverse octetDeltaCount)"),
            .init(Self.src2dstLayer2Bytes, .integer, "Link-layer bytes, src→dst (layer2OctetDeltaCount)"),
            .init(Self.dst2srcLayer2Bytes, .integer, "Link-layer bytes, dst→src (reverse layer2OctetDeltaCount)"),
            .init(
                Self.flowEndReason, .integer,
                "RFC 5102 flowEndReason: 1 idle, 2 active, 3 end detected, 4 forced end, 5 lack of resources"),
        ]
            + (timeUnit == .milliseconds
                ? []
                : [
                    .init(
                        Self.flowStartMilliseconds, .integer,
                        "First packet time, ms since the epoch (flowStartMilliseconds)"),
                    .init(
                        Self.flowEndMilliseconds, .integer, "Last packet time, ms since the epoch (flowEndMilliseconds)"
                    ),
                ])
    }

    /// Zero counters.
    public func makeState() -> State { State() }

    @inline(__always)
    func count(_ state: inout State, _ packet: borrowing PacketContext) {
        if packet.direction == 0 {
            state.ipBytes.0 &+= UInt64(packet.packet.ipSize)
            state.layer2Bytes.0 &+= UInt64(packet.packet.rawSize)
        } else {
            state.ipBytes.1 &+= UInt64(packet.packet.ipSize)
            state.layer2Bytes.1 &+= UInt64(packet.packet.rawSize)
        }
    }

    /// Counts the first packet's IP and wire sizes in its direction.
    @inline(__always)
    public func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext) -> PluginAction
    {
        count(&state, packet)
        return .keep
    }

    /// Counts the packet's IP and wire sizes in its direction.
    @inline(__always)
    public func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        count(&state, packet)
        return .keep
    }

    /// RFC 5102's flowEndReason of an expiration reason.
    public static func endReason(_ reason: ExpirationReason) -> UInt64 {
        switch reason {
        case .idle: return 1  // idle timeout
        case .active: return 2  // active timeout
        case .tcpFin, .tcpRst, .plugin: return 3  // end of flow detected
        case .endOfStream: return 4  // forced end
        case .tableFull: return 5  // lack of resources
        }
    }

    /// Writes the four byte counts, the end reason, and the ms start and end when the time unit is not ms.
    public func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
        sink.appendUnsigned(state.ipBytes.0)
        sink.appendUnsigned(state.ipBytes.1)
        sink.appendUnsigned(state.layer2Bytes.0)
        sink.appendUnsigned(state.layer2Bytes.1)
        sink.appendUnsigned(Self.endReason(flow.expirationReason))
        if timeUnit != .milliseconds {
            sink.appendUnsigned(timeUnit.milliseconds(flow.firstSeen))
            sink.appendUnsigned(timeUnit.milliseconds(flow.lastSeen))
        }
    }
}

import FlowMeter
import FlowPacket
import Foundation

/// Shannon entropy of the payload bytes of each direction of a flow, in bits per byte: 0 when every byte is the
/// same, 8 when all 256 values are equally frequent. Encrypted or compressed payloads score close to 8, text
/// around 4 to 5.
///
/// Four columns after the core columns:
/// `src2dst_payload_entropy`, `dst2src_payload_entropy` (float, 0 without payload) and
/// `src2dst_entropy_bytes`, `dst2src_entropy_bytes` (the captured payload bytes that were counted).
public struct PayloadEntropyPlugin: FeaturePlugin {
    /// Per-flow state: a histogram of byte values per direction. It is allocated once per flow slot and cleared in
    /// place by `reset` when the slot gets a new flow, so metering allocates nothing per flow.
    public struct State {
        /// Counts of each byte value: `[0..<256]` src→dst, `[256..<512]` dst→src.
        public var counts: [UInt32]
        /// Payload bytes counted per direction.
        public var src2dstBytes: UInt64 = 0
        public var dst2srcBytes: UInt64 = 0
    }

    public init() {}

    public var name: String { "payload_entropy" }

    public var columns: [FeatureColumn] {
        [
            FeatureColumn("src2dst_payload_entropy", .float, "Shannon entropy of the src→dst payload bytes, bits per byte"),
            FeatureColumn("dst2src_payload_entropy", .float, "Shannon entropy of the dst→src payload bytes, bits per byte"),
            FeatureColumn("src2dst_entropy_bytes", .integer, "Captured src→dst payload bytes counted"),
            FeatureColumn("dst2src_entropy_bytes", .integer, "Captured dst→src payload bytes counted"),
        ]
    }

    /// The hooks read payload bytes, so the meter must hand them the captured frames.
    public var needsPacketBytes: Bool { true }

    public func makeState() -> State {
        State(counts: [UInt32](repeating: 0, count: 512))
    }

    /// Clears a used state in place: no allocation when a slot is reused.
    public func reset(_ state: inout State) {
        state.counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        state.src2dstBytes = 0
        state.dst2srcBytes = 0
    }

    public func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        Self.count(packet.payload, direction: packet.direction, into: &state)
        return .keep
    }

    public func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        Self.count(packet.payload, direction: packet.direction, into: &state)
        return .keep
    }

    public func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
        sink.appendDouble(Self.entropy(state.counts[0..<256], total: state.src2dstBytes))
        sink.appendDouble(Self.entropy(state.counts[256..<512], total: state.dst2srcBytes))
        sink.appendUnsigned(state.src2dstBytes)
        sink.appendUnsigned(state.dst2srcBytes)
    }

    /// Adds the bytes of `payload` to the histogram of `direction`.
    static func count(_ payload: UnsafeRawBufferPointer, direction: UInt8, into state: inout State) {
        if payload.isEmpty { return }
        let base = direction == 0 ? 0 : 256
        state.counts.withUnsafeMutableBufferPointer { counts in
            for byte in payload { counts[base + Int(byte)] &+= 1 }
        }
        if direction == 0 {
            state.src2dstBytes += UInt64(payload.count)
        } else {
            state.dst2srcBytes += UInt64(payload.count)
        }
    }

    /// −Σ p·log2(p) over the byte values seen, 0 without bytes.
    public static func entropy(_ counts: ArraySlice<UInt32>, total: UInt64) -> Double {
        guard total > 0 else { return 0 }
        let n = Double(total)
        var h = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log2(p)
        }
        return h
    }
}

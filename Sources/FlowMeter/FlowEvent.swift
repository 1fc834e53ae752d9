import FlowPacket

/// When and why a flow left its meter: the input position of the event, which fixes the flow's place in the
/// output (see `FlowEvent.orderKey`).
public struct FlowEvent: Sendable, Equatable {
    /// Where in the input a flow left: at a packet's arrival, in the idle scan after it, or at the end.
    public enum Kind: UInt8, Sendable {
        /// At the arrival of packet `index` (timeout detected on one of its own packets, or evicted from a full shard).
        case arrival = 0
        /// In the idle scan that follows packet `index`.
        case scan = 1
        /// At the end of the input.
        case end = 2
    }
    /// Global index of the packet the event belongs to (`UInt64.max` for `.end`).
    public var index: UInt64
    /// Which of the three moments at that position.
    public var kind: Kind

    /// An event at packet `index` of kind `kind`.
    public init(index: UInt64, kind: Kind) {
        self.index = index
        self.kind = kind
    }
}

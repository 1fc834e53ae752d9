/// What `PacketDecoder` reads after a layer.
enum FrameStep {
    /// A link-layer header at `linkOffset` (the capture's own, or a frame a tunnel carries).
    case linkLayer
    /// An IP header at `ipOffset` (after the link layer, IP-in-IP, or a tunnel that carries IP).
    case ipLayer
    /// The tunnels that UDP ports or GRE announce, when tunnel decoding is on.
    case tunnels
    /// The innermost IP header is found: its fields and the transport's are read.
    case innermostIP
    /// The frame ends here with this outcome.
    case stop(DecodeOutcome)
}

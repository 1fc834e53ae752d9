import FlowCapture
import FlowPacket

/// A `TsharkSource` as a `PacketSource`. The link type is the capture file's (libpcap names it) or, on an
/// interface, the one tshark's first packet names; an encapsulation flowmeter does not decode ends the read.
public final class TsharkPacketSource: PacketSource {
    /// The tshark child and the parser of its output.
    public let tshark: TsharkSource
    /// The link type, once known.
    public private(set) var frameLinkType: LinkType?

    /// Reads `tshark`; `linkType` when it is known beforehand (a file's, from libpcap).
    public init(tshark: TsharkSource, linkType: LinkType? = nil) {
        self.tshark = tshark
        frameLinkType = linkType
    }

    /// The next packet tshark printed (bytes valid until the next call).
    public func next(timeoutMilliseconds: Int) -> ReadResult {
        let (result, frame) = tshark.next(timeoutMilliseconds: timeoutMilliseconds)
        if let frame, frameLinkType == nil {
            guard let link = TsharkSource.linkType(encapsulation: frame.encapsulation) else {
                return .failed("tshark reports encapsulation \(frame.encapsulation), which flowmeter does not decode")
            }
            frameLinkType = link
        }
        return result
    }

    /// Packets tshark delivered (it reports no drop counters).
    public func statistics() -> CaptureStatistics { CaptureStatistics(received: tshark.packetsRead) }

    /// tshark holds packets it has not printed yet when asked to stop.
    public var drainsAfterStop: Bool { true }

    /// Asks tshark to stop (SIGINT); it prints what it holds and closes its output.
    public func stop() { tshark.stop() }
}

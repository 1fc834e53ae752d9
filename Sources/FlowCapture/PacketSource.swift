import FlowPacket

/// Where packets come from: a capture file or a live interface through libpcap, or a tshark child (FlowIngest).
/// Every read loop of the streamer reads through this one shape.
public protocol PacketSource: AnyObject {
    /// The frames' link type; nil until it is known (tshark names it with its first packet).
    var frameLinkType: LinkType? { get }
    /// The next record, whose bytes stay valid until the next call. A source that may wait (an interface, a
    /// pipe from tshark) waits at most `timeoutMilliseconds` and then gives `.timeout`, so that its reader can
    /// look at its clock and flags; a file never waits and ignores it.
    func next(timeoutMilliseconds: Int) -> ReadResult
    /// Where a file source is in its file, for progress and damage messages (nil for other sources).
    var byteOffset: Int64? { get }
    /// A live source's counters (received, dropped); zeros for a file.
    func statistics() -> CaptureStatistics
    /// Whether records may still arrive after `stop()`, to be read until `.endOfFile` (tshark's held packets).
    var drainsAfterStop: Bool { get }
    /// Asks a live source to stop delivering.
    func stop()
}

extension PacketSource {
    /// No byte offset by default.
    public var byteOffset: Int64? { nil }
    /// No counters by default.
    public func statistics() -> CaptureStatistics { CaptureStatistics() }
    /// Nothing to drain by default.
    public var drainsAfterStop: Bool { false }
    /// Nothing to stop by default.
    public func stop() {}
}

extension PcapHandle: PacketSource {
    /// The capture file's link type.
    public var frameLinkType: LinkType? { linkType }

    /// The file's next record (a file never times out).
    @inlinable
    public func next(timeoutMilliseconds: Int) -> ReadResult { next() }

    /// The offset in the capture file.
    public var byteOffset: Int64? { fileOffset }
}

extension LiveCapture: PacketSource {
    /// The interface's link type.
    public var frameLinkType: LinkType? { linkType }

    // `next(timeoutMilliseconds:)` is LiveCapture's own.
}

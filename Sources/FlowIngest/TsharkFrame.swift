/// One packet parsed from tshark's output: timestamp, lengths, Wiretap encapsulation and the frame's bytes
/// (decoded from hex into the parser's own buffer, valid until the next parse).
public struct TsharkFrame {
    /// Capture time: whole seconds since the epoch.
    public var seconds: Int = 0
    /// Capture time: microseconds within the second.
    public var microseconds: Int = 0
    /// `frame.len`: the length on the wire.
    public var wireLength: UInt32 = 0
    /// `frame.cap_len`: the bytes captured.
    public var capturedLength: UInt32 = 0
    /// Wiretap's encapsulation number (`frame.encap_type`: 1 Ethernet, 7 raw IP, 25 Linux cooked …).
    public var encapsulation: Int = 0
    /// The frame's bytes, decoded from the hex field; valid until the parser's next frame.
    public var bytes: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    /// An empty frame.
    public init() {}
}

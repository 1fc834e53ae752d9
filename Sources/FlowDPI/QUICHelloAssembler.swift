import FlowPacket

/// Collects a ClientHello from the client's QUIC Initial packets (the datagrams the plugin sees: the dissection
/// window), across packets and out-of-order CRYPTO frames, and gives its JA4 ("q…") once complete.
///
/// It follows nDPI 5.0's reading, so that the fingerprint appears on the same flows as in NFStream: an Initial is
/// a datagram of at least 1,200 bytes whose first packet is a long-header Initial of a version in
/// `QUICInitial.version`, with a non-empty Destination Connection ID; only that first packet is opened, with the keys
/// of the flow's first Initial; the hello must fit in the first 4,096 bytes of the CRYPTO stream (bytes beyond are
/// dropped) and is complete when the bytes received cover the stream from 0 to exactly the end of the message.
/// Gives up when the flow's first client datagram is not a long-header packet (most UDP flows), or when the stream
/// does not start with a ClientHello.
public struct QUICHelloAssembler: Sendable {
    /// The CRYPTO stream's first bytes (zero where nothing arrived yet).
    var stream: [UInt8] = []
    /// Byte ranges of `stream` received, merged and sorted.
    var received: [Range<Int>] = []
    /// 0 waiting for the first client datagram, 1 collecting, 2 finished (fingerprinted or given up).
    var stage: UInt8 = 0
    /// The keys of the flow's first Initial.
    var keys: KeyBox? = nil
    /// Whether an Initial was opened, and whether one with a greased version (0x?a?a?a?a) was seen.
    var opened = false
    var sawGreasedVersion = false
    /// The complete hello's server name, normalised as nDPI 5.0 stores it ("" without one).
    public private(set) var serverName = ""

    /// A class so that the state stays small while no QUIC flow is seen.
    final class KeyBox: @unchecked Sendable {
        let keys: QUICInitial.Keys
        let versionNumber: UInt32
        init(_ keys: QUICInitial.Keys, versionNumber: UInt32) {
            self.keys = keys
            self.versionNumber = versionNumber
        }
    }

    /// The CRYPTO stream bytes kept (nDPI 5.0's reassembly buffer).
    static let limit = 4096
    /// The smallest datagram that can carry a client Initial (RFC 9000 §14.1).
    static let minimumDatagram = 1200

    /// An assembler waiting for the flow's first client datagram.
    public init() {}

    /// Whether more Initials can still help (no fingerprint yet, not given up).
    public var isCollecting: Bool { stage < 2 }

    /// The client only sent Initials of greased versions (RFC 9000 §15: a version-negotiation probe), which nDPI
    /// 5.0 does not open: it then knows no server name either.
    public var sawOnlyGreasedInitials: Bool { sawGreasedVersion && !opened }

    /// Done with this flow's hello. The buffers are freed (a few per QUIC flow, against keeping up to 4 KiB in
    /// every flow slot that once held one).
    private mutating func giveUp() {
        stage = 2
        stream = []
        received = []
        keys = nil
    }

    /// Adds one client→server UDP payload; returns the JA4 when the hello is complete.
    public mutating func add(datagram: UnsafeRawBufferPointer) -> String? {
        if stage == 2 { return nil }
        // Cheap refusals first: most UDP flows are not QUIC.
        guard datagram.count >= 7, datagram[0] & 0x80 != 0 else {
            if stage == 0 { giveUp() }
            return nil
        }
        guard datagram.count >= Self.minimumDatagram else { return nil }
        let v = UInt32(datagram[1]) << 24 | UInt32(datagram[2]) << 16 | UInt32(datagram[3]) << 8 | UInt32(datagram[4])
        guard let version = QUICInitial.version(v) else {
            if v & 0x0f0f_0f0f == 0x0a0a_0a0a { sawGreasedVersion = true }
            return nil
        }
        let d = PacketView(datagram)
        guard let header = QUICInitial.longHeader(d, at: 0), header.type == version.initialType,
            !header.destinationConnectionID.isEmpty
        else { return nil }
        if keys == nil || keys!.versionNumber != v {
            keys = KeyBox(
                QUICInitial.Keys(version: version, destinationConnectionID: header.destinationConnectionID),
                versionNumber: v)
        }
        guard let payload = QUICInitial.open(d, header, keys: keys!.keys),
            let frames = QUICInitial.cryptoFrames(payload, cryptoFrameType: version.cryptoFrameType)
        else { return nil }
        stage = 1
        opened = true
        for frame in frames { store(offset: frame.offset, frame.bytes) }
        // Complete when the bytes received run from 0 to exactly the end of the handshake message.
        guard received.count == 1, let range = received.first, range.lowerBound == 0, range.upperBound >= 4 else {
            return nil
        }
        if stream[0] != 1 {
            giveUp()  // not a ClientHello
            return nil
        }
        let length = 4 + (Int(stream[1]) << 16 | Int(stream[2]) << 8 | Int(stream[3]))
        guard range.upperBound == length else { return nil }
        let analysis = JA4.analyse(handshake: stream[0..<length], transport: "q")
        if let name = analysis?.serverName { serverName = HostName.normalised(name, stripPort: false) }
        giveUp()
        return analysis?.fingerprint
    }

    /// Copies one CRYPTO frame's bytes into the stream and merges its range; a frame reaching past `limit` is
    /// dropped.
    private mutating func store(offset: UInt64, _ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty, offset + UInt64(bytes.count) <= UInt64(Self.limit) else { return }
        let lower = Int(offset)
        let upper = lower + bytes.count
        if stream.count < upper { stream += repeatElement(0, count: upper - stream.count) }
        stream.withUnsafeMutableBufferPointer { s in
            for (i, b) in bytes.enumerated() { s[lower + i] = b }
        }
        var merged = lower..<upper
        var kept: [Range<Int>] = []
        for r in received {
            if r.upperBound < merged.lowerBound || r.lowerBound > merged.upperBound {
                kept.append(r)
            } else {
                merged = min(r.lowerBound, merged.lowerBound)..<max(r.upperBound, merged.upperBound)
            }
        }
        kept.append(merged)
        kept.sort { $0.lowerBound < $1.lowerBound }
        received = kept
    }
}

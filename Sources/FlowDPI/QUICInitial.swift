import FlowPacket

/// QUIC Initial packets (RFC 9000 §17.2.2) and their protection (RFC 9001 §5): enough to read the client's
/// ClientHello, which travels in CRYPTO frames of the client's Initial packets, encrypted with keys anyone can derive
/// from the packet's Destination Connection ID and a salt fixed per QUIC version.
enum QUICInitial {
    /// What a QUIC version's Initial protection is made of.
    struct Version {
        /// HKDF-Extract salt of the Initial secret.
        let salt: [UInt8]
        /// "quic" (RFC 9001 and its drafts) or "quicv2" (RFC 9369): the prefix of the key, iv and hp labels.
        let labelPrefix: String
        /// The long-header type bits (0x30 of the first byte, shifted) that mean Initial: 0 in v1, 1 in v2.
        let initialType: UInt8
        /// The CRYPTO frame's type: 0x06, but 0x08 in Google's T050 and T051.
        var cryptoFrameType: UInt8 = 0x06
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        func value(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
        return stride(from: 0, to: digits.count, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
    }

    private static let saltV1 = hexBytes("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
    private static let saltV2 = hexBytes("0dede3def700a6db819381be6e269dcbf9bd2ed9")
    private static let saltDraft29 = hexBytes("afbfec289993d24c9e9786f19c6111e04390a899")
    private static let saltDraft23 = hexBytes("c3eef712c72ebb5a11a7d2432bb46365bef9f502")
    private static let saltDraft22 = hexBytes("7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a")
    private static let saltT050 = hexBytes("7ff579e5acd072915580304c43a2367c60488310")
    private static let saltT051 = hexBytes("7a4edef4e7ccee5fa4506c19124fc8ccda6e033d")

    /// The versions whose Initial packets carry a TLS ClientHello we open, as nDPI 5.0 does: v1, v2, the IETF
    /// drafts 23–34, Google's TLS-based T050 and T051, and Facebook's mvfst drafts (mvfst-22 with draft 22's salt,
    /// mvfst-27 and mvfst-exp with draft 23's). Not Google's Q0xx versions (their hello is not TLS), not IETF drafts
    /// before 23, not greased versions (the client's next Initial, after version negotiation, is read instead).
    static func version(_ v: UInt32) -> Version? {
        switch v {
        case 0x0000_0001, 0xff00_0021, 0xff00_0022:
            return Version(salt: saltV1, labelPrefix: "quic", initialType: 0)
        case 0x6b33_43cf:
            return Version(salt: saltV2, labelPrefix: "quicv2", initialType: 1)
        case 0xff00_001d...0xff00_0020:
            return Version(salt: saltDraft29, labelPrefix: "quic", initialType: 0)
        case 0xff00_0017...0xff00_001c, 0xface_b002, 0xface_b00e:
            return Version(salt: saltDraft23, labelPrefix: "quic", initialType: 0)
        case 0xface_b001:
            return Version(salt: saltDraft22, labelPrefix: "quic", initialType: 0)
        case 0x5430_3530:
            return Version(salt: saltT050, labelPrefix: "quic", initialType: 0, cryptoFrameType: 0x08)
        case 0x5430_3531:
            return Version(salt: saltT051, labelPrefix: "quic", initialType: 0, cryptoFrameType: 0x08)
        default:
            return nil
        }
    }

    /// The client's Initial keys for one Destination Connection ID.
    struct Keys {
        let packet: [UInt8]
        let iv: [UInt8]
        let headerProtection: [UInt8]

        init(version: Version, destinationConnectionID: some Sequence<UInt8>) {
            let initialSecret = QUICCrypto.extract(
                salt: version.salt, inputKeyingMaterial: Array(destinationConnectionID))
            let client = QUICCrypto.expandLabel(secret: initialSecret, label: "client in", length: 32)
            packet = QUICCrypto.expandLabel(secret: client, label: "\(version.labelPrefix) key", length: 16)
            iv = QUICCrypto.expandLabel(secret: client, label: "\(version.labelPrefix) iv", length: 12)
            headerProtection = QUICCrypto.expandLabel(secret: client, label: "\(version.labelPrefix) hp", length: 16)
        }
    }

    /// One long-header packet found in a datagram.
    struct LongHeader {
        /// Offset of the packet's first byte in the datagram.
        let start: Int
        let version: UInt32
        let type: UInt8
        let destinationConnectionID: [UInt8]
        /// Offset of the (protected) packet number.
        let packetNumberOffset: Int
        /// Offset just past this packet (the next coalesced packet starts there).
        let end: Int
    }

    /// Reads the long header at `start`; nil for a short header, a version negotiation packet or bytes that do not
    /// hold together.
    static func longHeader(_ d: PacketView, at start: Int) -> LongHeader? {
        var c = ByteCursor(d, from: start)
        guard c.remaining >= 7, let first = c.u8(), first & 0x80 != 0, let version = c.u32(), version != 0,
            let dcidLength = c.u8(), dcidLength <= 20, let dcid = c.take(Int(dcidLength)),
            let scidLength = c.u8(), scidLength <= 20, c.skip(Int(scidLength))
        else { return nil }
        let type = (first >> 4) & 3
        let isV2 = version == 0x6b33_43cf
        let isInitial = type == (isV2 ? 1 : 0)
        let isRetry = type == (isV2 ? 0 : 3)
        guard !isRetry else { return nil }
        if isInitial {
            guard let tokenLength = c.quicVarint(), tokenLength <= UInt64(c.remaining), c.skip(Int(tokenLength))
            else { return nil }
        }
        guard let length = c.quicVarint(), length <= UInt64(c.remaining) else { return nil }
        return LongHeader(
            start: start, version: version, type: type, destinationConnectionID: Array(dcid.remainingBytes),
            packetNumberOffset: c.offset, end: c.offset + Int(length))
    }

    /// Removes header protection and opens the payload of the Initial packet `header` (in datagram `d`) with
    /// `keys`: the frames, or nil when the packet does not authenticate.
    static func open(_ d: PacketView, _ header: LongHeader, keys: Keys) -> [UInt8]? {
        let pn = header.packetNumberOffset
        // The sample starts 4 bytes after the packet number's start, whatever its length.
        guard pn + 4 + 16 <= header.end, header.end <= d.count else { return nil }
        let mask = QUICCrypto.encryptBlock(d.bytes((pn + 4)..<(pn + 20)), key: keys.headerProtection)
        let start = header.start
        let first = d.u8(start) ^ (mask[0] & 0x0f)
        let pnLength = Int(first & 3) + 1
        guard pn + pnLength + 16 <= header.end else { return nil }
        var aad = Array(d.bytes(start..<(pn + pnLength)))
        aad[0] = first
        var packetNumber: UInt64 = 0
        for i in 0..<pnLength {
            aad[pn - start + i] ^= mask[1 + i]
            packetNumber = packetNumber << 8 | UInt64(aad[pn - start + i])
        }
        var nonce = keys.iv
        for i in 0..<8 { nonce[11 - i] ^= UInt8(truncatingIfNeeded: packetNumber >> UInt64(8 * i)) }
        let sealed = Array(d.bytes((pn + pnLength)..<header.end))
        return QUICCrypto.openGCM(
            key: keys.packet, nonce: nonce, additionalData: aad[...], ciphertext: sealed[..<(sealed.count - 16)],
            tag: sealed[(sealed.count - 16)...])
    }

    /// The CRYPTO frames (offset, bytes) of a decrypted client Initial payload, or nil when it holds a frame other
    /// than PADDING, PING or CRYPTO (an ACK: not the client's first flight) or does not parse. nDPI 5.0 reads a
    /// client Initial the same way.
    static func cryptoFrames(_ p: [UInt8], cryptoFrameType: UInt8 = 0x06) -> [(
        offset: UInt64, bytes: ArraySlice<UInt8>
    )]? {
        p.withUnsafeBytes { raw in
            var frames: [(offset: UInt64, bytes: ArraySlice<UInt8>)] = []
            var c = ByteCursor(PacketView(raw))
            while let type = c.u8() {
                switch type {
                case 0x00, 0x01:  // PADDING, PING
                    continue
                case cryptoFrameType:  // CRYPTO
                    guard let offset = c.quicVarint(), let length = c.quicVarint(), length <= UInt64(c.remaining)
                    else { return nil }
                    frames.append((offset, p[c.offset..<(c.offset + Int(length))]))
                    _ = c.skip(Int(length))
                default:
                    return nil
                }
            }
            return frames
        }
    }
}

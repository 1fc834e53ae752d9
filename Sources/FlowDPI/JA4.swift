import FlowPacket

/// JA4, the TLS client fingerprint NFStream 6.6.0 prints (nDPI 5.0 computes it; nDPI 4.2 only has JA3), computed
/// from a ClientHello per FoxIO's public specification:
///
///     t13d1516h2_8daaf6152771_e5627efa2ab1
///     │││ │ │ │  │            └ sha256 of the sorted extensions (no SNI, no ALPN) "_" the signature algorithms
///     │││ │ │ │  └ sha256 of the sorted cipher suites (12 hex characters)
///     │││ │ │ └ first and last character of the first ALPN value ("00" without ALPN)
///     │││ │ └ number of extensions, │││ └ number of cipher suites (two digits, at most 99)
///     ││└ "d" with a server name, "i" without
///     │└ TLS version: the highest in supported_versions, else the hello's own ("13", "12", … "s3")
///     └ "t" TCP, "q" QUIC, "d" DTLS
///
/// GREASE values (0x?a?a) are left out everywhere. Lists are 4-digit lowercase hex joined by commas.
public enum JA4 {
    /// The fingerprint of a ClientHello handshake message (from its 4-byte handshake header on), or nil when the
    /// bytes are not a complete, well-formed ClientHello.
    public static func fingerprint(handshake: some Collection<UInt8>, transport: Character = "t") -> String? {
        analyse(handshake: Array(handshake)[...], transport: transport)?.fingerprint
    }

    /// A ClientHello's JA4 and its server name (the SNI extension's first name, raw), for a caller that needs both.
    struct Analysis {
        var fingerprint: String
        var serverName: ArraySlice<UInt8>?
    }

    /// `fingerprint(handshake:transport:)` with the hello's server name.
    static func analyse(handshake: ArraySlice<UInt8>, transport: Character) -> Analysis? {
        handshake.withUnsafeBytes { raw in
            var message = ByteCursor(PacketView(raw))
            guard message.u8() == 1, let length = message.u24(), let body = message.take(Int(length)) else {
                return nil
            }
            return analyse(body: body, transport: transport)
        }
    }

    /// The analysis of a ClientHello's body (after the 4-byte handshake header).
    static func analyse(body: ByteCursor, transport: Character) -> Analysis? {
        var r = body
        guard let legacyVersion = r.u16(), r.skip(32),  // random
            let sessionLength = r.u8(), r.skip(Int(sessionLength))
        else { return nil }
        if transport == "d" {  // DTLS: cookie
            guard let cookieLength = r.u8(), r.skip(Int(cookieLength)) else { return nil }
        }
        guard let cipherBytes = r.u16(), cipherBytes % 2 == 0, var cipherList = r.take(Int(cipherBytes)),
            let compressionLength = r.u8(), r.skip(Int(compressionLength))
        else { return nil }
        var ciphers: [UInt16] = []
        while let v = cipherList.u16() {
            if !isGREASE(v) { ciphers.append(v) }
        }

        var extensions: [UInt16] = []
        var signatureAlgorithms: [UInt16] = []
        var hasServerName = false
        var serverName: ArraySlice<UInt8>? = nil
        var alpn: ArraySlice<UInt8>? = nil
        var highestVersion: UInt16? = nil
        if let extensionBytes = r.u16() {  // extensions are optional
            guard var e = r.take(Int(extensionBytes)) else { return nil }
            while !e.isAtEnd {
                guard let type = e.u16(), let length = e.u16(), var d = e.take(Int(length)) else { return nil }
                if isGREASE(type) { continue }
                extensions.append(type)
                switch type {
                case 0x0000:  // server_name: "d" for a domain name; an IP literal counts as no name, as in nDPI
                    if d.u16() != nil, d.u8() == 0, let length = d.u16(), let name = d.take(Int(length)) {
                        let bytes = Array(name.remainingBytes)[...]
                        hasServerName = !isAddressLiteral(bytes)
                        serverName = bytes
                    } else {
                        hasServerName = true
                    }
                case 0x0010:  // ALPN: list length, then length-prefixed protocol names
                    if d.u16() != nil, let first = d.u8(), let name = d.take(Int(first)) {
                        alpn = Array(name.remainingBytes)[...]
                    }
                case 0x000d:  // signature_algorithms, in the client's order
                    if d.u16() != nil {
                        while let v = d.u16() { if !isGREASE(v) { signatureAlgorithms.append(v) } }
                    }
                case 0x002b:  // supported_versions (client form: one length byte)
                    if d.u8() != nil {
                        while let v = d.u16() {
                            if !isGREASE(v) { highestVersion = max(highestVersion ?? 0, v) }
                        }
                    }
                default:
                    break
                }
            }
        }

        var text = String(transport)
        text += versionCode(highestVersion ?? legacyVersion)
        text += hasServerName ? "d" : "i"
        text += twoDigits(ciphers.count)
        text += twoDigits(extensions.count)
        text += alpnCode(alpn)
        text += "_"
        // An empty list hashes the empty string (e3b0c44298fc), as nDPI 5.0 does, not "000000000000" as the
        // specification says: NFStream 6.6.0 prints nDPI's value.
        text += truncatedHash(hexList(ciphers.sorted()))
        text += "_"
        var input = hexList(extensions.filter { $0 != 0x0000 && $0 != 0x0010 }.sorted())
        if !signatureAlgorithms.isEmpty { input += "_" + hexList(signatureAlgorithms) }
        text += truncatedHash(input)
        return Analysis(fingerprint: text, serverName: serverName)
    }

    /// GREASE (RFC 8701): 0x0a0a, 0x1a1a … 0xfafa.
    @inline(__always)
    static func isGREASE(_ v: UInt16) -> Bool { v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff }

    /// Whether a server name is an IPv4 or IPv6 address literal.
    static func isAddressLiteral(_ name: ArraySlice<UInt8>) -> Bool {
        if name.isEmpty { return false }
        if name.contains(UInt8(ascii: ":")) { return true }
        return name.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }
            && name.filter({ $0 == UInt8(ascii: ".") }).count == 3
    }

    /// The JA4 of a DTLS datagram carrying a whole (unfragmented) ClientHello, or nil.
    public static func fingerprint(dtlsDatagram d: UnsafeRawBufferPointer) -> String? {
        // Record header (13 bytes): type 0x16, version 0xfe??, epoch, sequence, length; then the handshake
        // header (12 bytes): type 1, length, message sequence, fragment offset, fragment length.
        let view = PacketView(d)
        guard view.count >= 25, view.u8(0) == 0x16, view.u8(1) == 0xfe, view.u8(13) == 1 else { return nil }
        var header = ByteCursor(view, from: 14)
        guard let length = header.u24(), header.skip(2),  // message sequence
            let offset = header.u24(), let fragment = header.u24(), offset == 0, fragment == length,
            let body = header.take(Int(length))
        else { return nil }
        return analyse(body: body, transport: "d")?.fingerprint
    }

    static func versionCode(_ v: UInt16) -> String {
        switch v {
        case 0x0304: return "13"
        case 0x0303: return "12"
        case 0x0302: return "11"
        case 0x0301: return "10"
        case 0x0300: return "s3"
        case 0x0002, 0x0200: return "s2"
        case 0xfeff: return "d1"
        case 0xfefd: return "d2"
        case 0xfefc: return "d3"
        default: return "00"
        }
    }

    static func twoDigits(_ n: Int) -> String {
        let v = min(n, 99)
        return v < 10 ? "0\(v)" : "\(v)"
    }

    static func alpnCode(_ value: ArraySlice<UInt8>?) -> String {
        guard let value, let first = value.first, let last = value.last else { return "00" }
        func alphanumeric(_ b: UInt8) -> Bool {
            (0x30...0x39).contains(b) || (0x41...0x5a).contains(b) || (0x61...0x7a).contains(b)
        }
        if alphanumeric(first) && alphanumeric(last) {
            return String(decoding: [first, last], as: UTF8.self)
        }
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: [digits[Int(first >> 4)], digits[Int(last & 15)]], as: UTF8.self)
    }

    static func hexList(_ values: [UInt16]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 5)
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            for shift: UInt16 in [12, 8, 4, 0] { out.append(digits[Int((v >> shift) & 15)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func truncatedHash(_ text: String) -> String {
        String(QUICCrypto.sha256Hex(text).prefix(12))
    }
}

// A client Initial datagram for the QUIC benchmark, sealed here as RFC 9001 §5 says (QUIC v1, 8-byte Destination
// Connection ID, 4-byte packet number, padded to 1200 bytes), carrying one CRYPTO frame with a TLS 1.3
// ClientHello (SNI, ALPN h3, supported versions, signature algorithms, groups, an x25519 key share). Built once in
// setup with swift-crypto; never measured.
import Crypto
import _CryptoExtras

enum QUICInitialFixture {
    static let salt: [UInt8] = hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")  // RFC 9001 §5.2, v1
    static let destinationConnectionID: [UInt8] = hex("8394c8f03e515708")

    static func hex(_ text: String) -> [UInt8] {
        let d = Array(text.utf8)
        func v(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x61 + 10 }
        return stride(from: 0, to: d.count, by: 2).map { v(d[$0]) << 4 | v(d[$0 + 1]) }
    }

    static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    static func extensionBytes(_ type: Int, _ body: [UInt8]) -> [UInt8] { u16(type) + u16(body.count) + body }

    /// The ClientHello handshake message.
    static func clientHello() -> [UInt8] {
        let name = Array("www.example.com".utf8)
        var extensions: [UInt8] = []
        extensions += extensionBytes(0x0000, u16(name.count + 3) + [0] + u16(name.count) + name)
        extensions += extensionBytes(0x0010, u16(3) + [2] + Array("h3".utf8))
        extensions += extensionBytes(0x002b, [2, 0x03, 0x04])
        extensions += extensionBytes(0x000d, u16(8) + [0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03])
        extensions += extensionBytes(0x000a, u16(4) + [0x00, 0x1d, 0x00, 0x17])
        extensions += extensionBytes(0x0033, u16(36) + [0x00, 0x1d] + u16(32) + [UInt8](repeating: 0x42, count: 32))
        extensions += extensionBytes(0x0039, [0x01, 0x02, 0x67, 0x10, 0x04, 0x04, 0x80, 0x0c, 0x00, 0x00])
        var body: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 0x17, count: 32) + [0]
        body += u16(6) + [0x13, 0x01, 0x13, 0x02, 0x13, 0x03] + [1, 0]
        body += u16(extensions.count) + extensions
        return [1, 0, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
    }

    static func expandLabel(_ secret: [UInt8], _ label: String, _ length: Int) -> [UInt8] {
        let full = Array("tls13 \(label)".utf8)
        let info = u16(length) + [UInt8(full.count)] + full + [0]
        return HKDF<SHA256>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
            .withUnsafeBytes { Array($0) }
    }

    /// The protected datagram.
    static func datagram() -> [UInt8] {
        let initial = Array(
            HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: destinationConnectionID), salt: salt))
        let client = expandLabel(initial, "client in", 32)
        let key = expandLabel(client, "quic key", 16)
        let iv = expandLabel(client, "quic iv", 12)
        let hp = expandLabel(client, "quic hp", 16)
        let hello = clientHello()
        let frame: [UInt8] = [0x06, 0x00] + [UInt8(0x40 | hello.count >> 8), UInt8(hello.count & 0xff)] + hello
        let prefix: [UInt8] = [0xc3, 0, 0, 0, 1, UInt8(destinationConnectionID.count)] + destinationConnectionID + [0, 0]
        let packetNumber: [UInt8] = [0, 0, 0, 2]
        let payload = frame + [UInt8](repeating: 0, count: 1200 - prefix.count - 2 - 4 - 16 - frame.count)
        let length = 4 + payload.count + 16
        let header = prefix + [UInt8(0x40 | length >> 8), UInt8(length & 0xff)] + packetNumber
        var nonce = iv
        nonce[11] ^= 2
        let box = try! AES.GCM.seal(
            payload, using: SymmetricKey(data: key), nonce: AES.GCM.Nonce(data: nonce), authenticating: header)
        var packet = header + Array(box.ciphertext) + Array(box.tag)
        let pn = header.count - 4
        var mask = Array(packet[(pn + 4)..<(pn + 20)])
        try! AES.permute(&mask, key: SymmetricKey(data: hp))
        packet[0] ^= mask[0] & 0x0f
        for i in 0..<4 { packet[pn + i] ^= mask[1 + i] }
        return packet
    }
}

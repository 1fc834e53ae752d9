/// HMAC-SHA256 (RFC 2104) and the HKDF steps (RFC 5869) TLS 1.3 and QUIC derive their keys with, including TLS
/// 1.3's HKDF-Expand-Label (RFC 8446 §7.1). Used for QUIC's Initial keys, which anyone can derive from the packet.
enum HKDF {
    /// HMAC-SHA256 of `message` under `key`.
    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? SHA256.digest(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = SHA256.digest(block.map { $0 ^ 0x36 } + message)
        return SHA256.digest(block.map { $0 ^ 0x5c } + inner)
    }

    /// HKDF-Extract: the pseudorandom key from `salt` and the input keying material.
    static func extract(salt: [UInt8], inputKeyingMaterial: [UInt8]) -> [UInt8] {
        hmac(key: salt, inputKeyingMaterial)
    }

    /// HKDF-Expand to `length` bytes (at most 255 × 32).
    static func expand(pseudorandomKey: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        var output: [UInt8] = []
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            previous = hmac(key: pseudorandomKey, previous + info + [counter])
            output += previous
            counter &+= 1
        }
        return Array(output.prefix(length))
    }

    /// TLS 1.3's HKDF-Expand-Label with an empty context: info = length (2 bytes), "tls13 " + label (with its
    /// 1-byte length), an empty context (one 0 byte).
    static func expandLabel(secret: [UInt8], label: String, length: Int) -> [UInt8] {
        let fullLabel = Array("tls13 \(label)".utf8)
        let info = [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), UInt8(fullLabel.count)]
            + fullLabel + [0]
        return expand(pseudorandomKey: secret, info: info, length: length)
    }
}

import Crypto
import _CryptoExtras

/// The cryptography flowmeter's own readers need, through apple/swift-crypto (BoringSSL): SHA-256 for JA4, and
/// for QUIC Initial packets (RFC 9001 §5) HKDF with TLS 1.3's HKDF-Expand-Label, AES-128 for header protection and
/// AES-128-GCM to open the payload. The only file of FlowDPI that calls a cryptographic primitive.
enum QUICCrypto {
    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lower-case hex of the SHA-256 digest of `text`'s UTF-8 bytes.
    static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// HKDF-Extract (RFC 5869) with SHA-256.
    static func extract(salt: [UInt8], inputKeyingMaterial: [UInt8]) -> [UInt8] {
        Array(HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: inputKeyingMaterial), salt: salt))
    }

    /// HKDF-Expand (RFC 5869) with SHA-256 to `length` bytes.
    static func expand(pseudorandomKey: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        HKDF<SHA256>.expand(pseudoRandomKey: pseudorandomKey, info: info, outputByteCount: length)
            .withUnsafeBytes { Array($0) }
    }

    /// TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1) with an empty context: info is the length (2 bytes), then
    /// "tls13 " + label with its 1-byte length, then an empty context (one 0 byte).
    static func expandLabel(secret: [UInt8], label: String, length: Int) -> [UInt8] {
        let fullLabel = Array("tls13 \(label)".utf8)
        let info =
            [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), UInt8(fullLabel.count)]
            + fullLabel + [0]
        return expand(pseudorandomKey: secret, info: info, length: length)
    }

    /// One AES-128 block encryption of `block` (16 bytes) under `key` (16 bytes): QUIC's header-protection mask.
    static func encryptBlock(_ block: some Collection<UInt8>, key: [UInt8]) -> [UInt8] {
        var b = Array(block)
        guard b.count == 16, key.count == 16 else { return [UInt8](repeating: 0, count: 16) }
        try! AES.permute(&b, key: SymmetricKey(data: key))  // the sizes are checked above
        return b
    }

    /// AES-128-GCM decryption with a 12-byte nonce and a 16-byte tag: the plaintext, or nil when the tag does not
    /// authenticate the ciphertext and `additionalData` (a damaged or non-QUIC packet) or the sizes are wrong.
    static func openGCM(
        key: [UInt8], nonce: [UInt8], additionalData: ArraySlice<UInt8>, ciphertext: ArraySlice<UInt8>,
        tag: ArraySlice<UInt8>
    ) -> [UInt8]? {
        guard key.count == 16, nonce.count == 12, tag.count == 16,
            let n = try? AES.GCM.Nonce(data: nonce),
            let box = try? AES.GCM.SealedBox(nonce: n, ciphertext: ciphertext, tag: tag),
            let plain = try? AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: additionalData)
        else { return nil }
        return Array(plain)
    }
}

/// AES-128 (FIPS 197) encryption of single blocks and AES-128-GCM decryption (NIST SP 800-38D), the two
/// primitives QUIC's Initial packet protection needs (RFC 9001 §5): AES-ECB of one block for header protection,
/// AES-GCM for the payload. Only the encryption direction of the block cipher is needed (GCM runs it as a counter).
///
/// A plain byte-oriented implementation: a QUIC flow has one to three Initial packets of about 1,200 bytes to open,
/// once per flow, so table-free code that is easy to check against the standard is worth more than speed. It is not
/// constant-time, which does not matter here: the keys are derived from bytes in the clear on the wire.
struct AES128 {
    /// The 11 round keys, 176 bytes.
    private var roundKeys: [UInt8]

    /// The S-box, derived as the standard defines it (multiplicative inverse in GF(2^8), then the affine map)
    /// rather than typed in.
    static let sbox: [UInt8] = {
        func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
            var a = a, b = b, product: UInt8 = 0
            while b != 0 {
                if b & 1 != 0 { product ^= a }
                a = xtime(a)
                b >>= 1
            }
            return product
        }
        var box = [UInt8](repeating: 0, count: 256)
        for x in 0..<256 {
            // x^254 is x's inverse (0 maps to 0).
            var inverse: UInt8 = x == 0 ? 0 : 1
            if x != 0 {
                for _ in 0..<254 { inverse = multiply(inverse, UInt8(x)) }
            }
            func rotateLeft(_ v: UInt8, _ n: UInt8) -> UInt8 { v << n | v >> (8 - n) }
            box[x] = inverse ^ rotateLeft(inverse, 1) ^ rotateLeft(inverse, 2) ^ rotateLeft(inverse, 3)
                ^ rotateLeft(inverse, 4) ^ 0x63
        }
        return box
    }()

    /// Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
    @inline(__always)
    static func xtime(_ a: UInt8) -> UInt8 { a << 1 ^ (a & 0x80 != 0 ? 0x1b : 0) }

    /// Expands a 16-byte key; nil for any other length.
    init?(key: some Collection<UInt8>) {
        guard key.count == 16 else { return nil }
        let sbox = Self.sbox
        var w = Array(key)
        w.reserveCapacity(176)
        var roundConstant: UInt8 = 1
        while w.count < 176 {
            var t = Array(w[(w.count - 4)...])
            if w.count % 16 == 0 {
                t = [sbox[Int(t[1])] ^ roundConstant, sbox[Int(t[2])], sbox[Int(t[3])], sbox[Int(t[0])]]
                roundConstant = Self.xtime(roundConstant)
            }
            for i in 0..<4 { w.append(w[w.count - 16] ^ t[i]) }
        }
        roundKeys = w
    }

    /// Encrypts one 16-byte block in place (`block` holds at least 16 bytes from `offset`).
    func encrypt(_ block: inout [UInt8], at offset: Int = 0) {
        let sbox = Self.sbox
        var s = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { s[i] = block[offset + i] ^ roundKeys[i] }
        var t = [UInt8](repeating: 0, count: 16)
        for round in 1...10 {
            // SubBytes and ShiftRows together: row r of column c comes from column c + r (bytes are column-major).
            for c in 0..<4 {
                for r in 0..<4 { t[4 * c + r] = sbox[Int(s[4 * ((c + r) % 4) + r])] }
            }
            if round < 10 {
                // MixColumns.
                for c in 0..<4 {
                    let a0 = t[4 * c], a1 = t[4 * c + 1], a2 = t[4 * c + 2], a3 = t[4 * c + 3]
                    let all = a0 ^ a1 ^ a2 ^ a3
                    t[4 * c] = a0 ^ all ^ Self.xtime(a0 ^ a1)
                    t[4 * c + 1] = a1 ^ all ^ Self.xtime(a1 ^ a2)
                    t[4 * c + 2] = a2 ^ all ^ Self.xtime(a2 ^ a3)
                    t[4 * c + 3] = a3 ^ all ^ Self.xtime(a3 ^ a0)
                }
            }
            for i in 0..<16 { s[i] = t[i] ^ roundKeys[16 * round + i] }
        }
        for i in 0..<16 { block[offset + i] = s[i] }
    }

    /// AES-ECB of one block: the encryption of `block` (16 bytes).
    func encrypt(block: some Collection<UInt8>) -> [UInt8] {
        var b = Array(block)
        encrypt(&b)
        return b
    }

    /// AES-128-GCM decryption with a 12-byte nonce and a 16-byte tag: the plaintext, or nil when the tag does not
    /// authenticate `ciphertext` and `additionalData` (a damaged or non-QUIC packet) or the sizes are wrong.
    func openGCM(nonce: [UInt8], additionalData: ArraySlice<UInt8>, ciphertext: ArraySlice<UInt8>, tag: ArraySlice<UInt8>)
        -> [UInt8]?
    {
        guard nonce.count == 12, tag.count == 16 else { return nil }
        // H = E(K, 0^128); J0 = nonce || 0x00000001.
        var hashKey = [UInt8](repeating: 0, count: 16)
        encrypt(&hashKey)
        let h = GHash.Element(hashKey[...])
        var ghash = GHash(key: h)
        ghash.absorb(additionalData)
        ghash.absorb(ciphertext)
        ghash.absorbLengths(additionalBytes: additionalData.count, ciphertextBytes: ciphertext.count)
        var counterBlock = nonce + [0, 0, 0, 1]
        var expectedTag = counterBlock
        encrypt(&expectedTag)
        let digest = ghash.value.bytes
        var difference: UInt8 = 0
        for (i, t) in tag.enumerated() { difference |= (expectedTag[i] ^ digest[i]) ^ t }
        guard difference == 0 else { return nil }

        // CTR from inc32(J0).
        var plaintext = Array(ciphertext)
        var keystream = [UInt8](repeating: 0, count: 16)
        var offset = 0
        while offset < plaintext.count {
            var counter = UInt32(counterBlock[12]) << 24 | UInt32(counterBlock[13]) << 16 | UInt32(counterBlock[14]) << 8
                | UInt32(counterBlock[15])
            counter &+= 1
            counterBlock[12] = UInt8(truncatingIfNeeded: counter >> 24)
            counterBlock[13] = UInt8(truncatingIfNeeded: counter >> 16)
            counterBlock[14] = UInt8(truncatingIfNeeded: counter >> 8)
            counterBlock[15] = UInt8(truncatingIfNeeded: counter)
            for i in 0..<16 { keystream[i] = counterBlock[i] }
            encrypt(&keystream)
            for i in 0..<min(16, plaintext.count - offset) { plaintext[offset + i] ^= keystream[i] }
            offset += 16
        }
        return plaintext
    }
}

/// GCM's GHASH over GF(2^128), bit-reflected as SP 800-38D defines it (the first byte's high bit is x^0).
struct GHash {
    struct Element: Equatable {
        var high: UInt64
        var low: UInt64

        init(high: UInt64, low: UInt64) {
            self.high = high
            self.low = low
        }

        /// From up to 16 bytes, zero-padded.
        init(_ bytes: ArraySlice<UInt8>) {
            var high: UInt64 = 0, low: UInt64 = 0
            for (i, b) in bytes.prefix(16).enumerated() {
                if i < 8 { high |= UInt64(b) << UInt64(56 - 8 * i) } else { low |= UInt64(b) << UInt64(56 - 8 * (i - 8)) }
            }
            self.init(high: high, low: low)
        }

        var bytes: [UInt8] {
            var out = [UInt8](repeating: 0, count: 16)
            for i in 0..<8 {
                let shift = UInt64(56 - 8 * i)
                out[i] = UInt8(truncatingIfNeeded: high >> shift)
                out[8 + i] = UInt8(truncatingIfNeeded: low >> shift)
            }
            return out
        }

        /// X · Y (SP 800-38D, Algorithm 1).
        func times(_ y: Element) -> Element {
            var z = Element(high: 0, low: 0)
            var v = y
            for i in 0..<128 {
                let bit = i < 64 ? (high >> UInt64(63 - i)) & 1 : (low >> UInt64(127 - i)) & 1
                if bit == 1 {
                    z.high ^= v.high
                    z.low ^= v.low
                }
                let carry = v.low & 1
                v.low = v.low >> 1 | v.high << 63
                v.high >>= 1
                if carry == 1 { v.high ^= 0xe100_0000_0000_0000 }
            }
            return z
        }
    }

    let key: Element
    private(set) var value = Element(high: 0, low: 0)

    init(key: Element) { self.key = key }

    /// Absorbs `data` zero-padded to whole blocks.
    mutating func absorb(_ data: ArraySlice<UInt8>) {
        var start = data.startIndex
        while start < data.endIndex {
            let end = min(start + 16, data.endIndex)
            let block = Element(data[start..<end])
            value = Element(high: value.high ^ block.high, low: value.low ^ block.low).times(key)
            start = end
        }
    }

    /// The final block: the bit lengths of the additional data and the ciphertext.
    mutating func absorbLengths(additionalBytes: Int, ciphertextBytes: Int) {
        let block = Element(high: UInt64(additionalBytes) &* 8, low: UInt64(ciphertextBytes) &* 8)
        value = Element(high: value.high ^ block.high, low: value.low ^ block.low).times(key)
    }
}

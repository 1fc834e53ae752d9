/// AES-128 (FIPS 197) encryption of single blocks and AES-128-GCM decryption (NIST SP 800-38D), the two
/// primitives QUIC's Initial packet protection needs (RFC 9001 §5): AES-ECB of one block for header protection,
/// AES-GCM for the payload. Only the encryption direction of the block cipher is needed (GCM runs it as a counter).
///
/// The usual 32-bit table formulation (SubBytes, ShiftRows and MixColumns as four table lookups per column), with
/// the tables computed at first use from the S-box, which is itself derived as the standard defines it. About 30 ns
/// a block; a client Initial (1,200 bytes) opens in a few microseconds. Not constant-time, which does not matter
/// here: Initial keys are derived from bytes in the clear on the wire.
struct AES128 {
    /// The 44 round-key words (11 round keys), big-endian.
    private let roundKeys: [UInt32]

    /// The S-box: each byte's multiplicative inverse in GF(2^8) (0 for 0), then the affine map.
    static let sbox: [UInt8] = {
        var box = [UInt8](repeating: 0, count: 256)
        // Walk the field with generator 3: p runs over all non-zero elements, q over their inverses.
        var p: UInt8 = 1, q: UInt8 = 1
        repeat {
            p = p ^ xtime(p)  // p · 3
            q ^= q << 1  // q / 3 (q · 0xf6)
            q ^= q << 2
            q ^= q << 4
            if q & 0x80 != 0 { q ^= 0x09 }
            func rotateLeft(_ v: UInt8, _ n: UInt8) -> UInt8 { v << n | v >> (8 - n) }
            box[Int(p)] = q ^ rotateLeft(q, 1) ^ rotateLeft(q, 2) ^ rotateLeft(q, 3) ^ rotateLeft(q, 4) ^ 0x63
        } while p != 1
        box[0] = 0x63
        return box
    }()

    /// Round tables: `table[256 * k + x]` is the MixColumns column of S(x) in row k, as a big-endian word.
    /// Written once (the lazy initialiser runs once), read-only after.
    nonisolated(unsafe) private static let table: UnsafePointer<UInt32> = {
        let t = UnsafeMutablePointer<UInt32>.allocate(capacity: 1024)
        for x in 0..<256 {
            let s = UInt32(sbox[x])
            let twice = UInt32(xtime(UInt8(s)))
            let word = twice << 24 | s << 16 | s << 8 | (twice ^ s)
            for k in 0..<4 { t[256 * k + x] = word >> UInt32(8 * k) | word << UInt32(32 - 8 * k) }
        }
        return UnsafePointer(t)
    }()

    /// The S-box as a pointer, for the last round.
    nonisolated(unsafe) private static let box: UnsafePointer<UInt8> = {
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for x in 0..<256 { b[x] = sbox[x] }
        return UnsafePointer(b)
    }()

    /// Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
    @inline(__always)
    static func xtime(_ a: UInt8) -> UInt8 { a << 1 ^ (a & 0x80 != 0 ? 0x1b : 0) }

    /// Expands a 16-byte key; nil for any other length.
    init?(key: some Collection<UInt8>) {
        guard key.count == 16 else { return nil }
        let k = Array(key)
        var w = [UInt32](repeating: 0, count: 44)
        for i in 0..<4 { w[i] = UInt32(k[4 * i]) << 24 | UInt32(k[4 * i + 1]) << 16 | UInt32(k[4 * i + 2]) << 8 | UInt32(k[4 * i + 3]) }
        let box = Self.box
        var roundConstant: UInt8 = 1
        for i in 4..<44 {
            var t = w[i - 1]
            if i % 4 == 0 {
                t = t << 8 | t >> 24  // RotWord
                t = UInt32(box[Int(t >> 24)]) << 24 | UInt32(box[Int(t >> 16 & 0xff)]) << 16
                    | UInt32(box[Int(t >> 8 & 0xff)]) << 8 | UInt32(box[Int(t & 0xff)])
                t ^= UInt32(roundConstant) << 24
                roundConstant = Self.xtime(roundConstant)
            }
            w[i] = w[i - 4] ^ t
        }
        roundKeys = w
    }

    /// Encrypts the 16 bytes at `block` in place.
    func encrypt(_ block: UnsafeMutableRawPointer) {
        let t = Self.table, box = Self.box
        @inline(__always) func load(_ i: Int) -> UInt32 { UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        roundKeys.withUnsafeBufferPointer { rk in
            var s0 = load(0) ^ rk[0], s1 = load(1) ^ rk[1], s2 = load(2) ^ rk[2], s3 = load(3) ^ rk[3]
            @inline(__always) func column(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ key: UInt32) -> UInt32 {
                t[Int(a >> 24)] ^ t[256 + Int(b >> 16 & 0xff)] ^ t[512 + Int(c >> 8 & 0xff)] ^ t[768 + Int(d & 0xff)] ^ key
            }
            for round in 1..<10 {
                let k = 4 * round
                let t0 = column(s0, s1, s2, s3, rk[k])
                let t1 = column(s1, s2, s3, s0, rk[k + 1])
                let t2 = column(s2, s3, s0, s1, rk[k + 2])
                let t3 = column(s3, s0, s1, s2, rk[k + 3])
                (s0, s1, s2, s3) = (t0, t1, t2, t3)
            }
            @inline(__always) func last(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ key: UInt32) -> UInt32 {
                (UInt32(box[Int(a >> 24)]) << 24 | UInt32(box[Int(b >> 16 & 0xff)]) << 16
                    | UInt32(box[Int(c >> 8 & 0xff)]) << 8 | UInt32(box[Int(d & 0xff)])) ^ key
            }
            let out = (last(s0, s1, s2, s3, rk[40]), last(s1, s2, s3, s0, rk[41]), last(s2, s3, s0, s1, rk[42]), last(s3, s0, s1, s2, rk[43]))
            block.storeBytes(of: out.0.bigEndian, toByteOffset: 0, as: UInt32.self)
            block.storeBytes(of: out.1.bigEndian, toByteOffset: 4, as: UInt32.self)
            block.storeBytes(of: out.2.bigEndian, toByteOffset: 8, as: UInt32.self)
            block.storeBytes(of: out.3.bigEndian, toByteOffset: 12, as: UInt32.self)
        }
    }

    /// Encrypts one 16-byte block in place (`block` holds at least 16 bytes from `offset`).
    func encrypt(_ block: inout [UInt8], at offset: Int = 0) {
        precondition(offset >= 0 && offset + 16 <= block.count)
        block.withUnsafeMutableBytes { encrypt($0.baseAddress! + offset) }
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
        var ghash = GHash(key: GHash.Element(hashKey[...]))
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
        var counter = UInt32(1)
        plaintext.withUnsafeMutableBytes { p in
            counterBlock.withUnsafeMutableBytes { c in
                var keystream = (UInt64(0), UInt64(0))
                withUnsafeMutableBytes(of: &keystream) { k in
                    var offset = 0
                    while offset < p.count {
                        counter &+= 1
                        c.storeBytes(of: counter.bigEndian, toByteOffset: 12, as: UInt32.self)
                        k.copyMemory(from: UnsafeRawBufferPointer(c))
                        encrypt(k.baseAddress!)
                        for i in 0..<min(16, p.count - offset) { p[offset + i] ^= k[i] }
                        offset += 16
                    }
                }
            }
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

        /// X · x: one position up (a right shift here), reduced by x^128 = x^7 + x^2 + x + 1.
        @inline(__always)
        func timesX() -> Element {
            let carry = low & 1
            return Element(high: high >> 1 ^ (carry == 1 ? 0xe100_0000_0000_0000 : 0), low: low >> 1 | high << 63)
        }

        /// X · Y (SP 800-38D, Algorithm 1), bit by bit: the reference the table-driven product is tested against.
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
    /// `multiples[b]` = b · H, for the byte b in a block's first position (Shoup's 8-bit table, 4 KiB).
    private var multiples: [Element]

    /// `reduction[r]`: what the byte r shifted out of the low end contributes when an element is multiplied by x^8.
    private static let reduction: [UInt64] = (0..<256).map { r in
        var e = Element(high: 0, low: UInt64(r))
        for _ in 0..<8 { e = e.timesX() }
        return e.high
    }

    init(key: Element) {
        self.key = key
        var m = [Element](repeating: Element(high: 0, low: 0), count: 256)
        // The single bits: 0x80 is the polynomial 1, 0x40 is x, … 0x01 is x^7.
        var power = key
        var bit = 0x80
        while bit > 0 {
            m[bit] = power
            power = power.timesX()
            bit >>= 1
        }
        for b in 1..<256 where b & (b - 1) != 0 {
            let low = b & -b
            m[b] = Element(high: m[low].high ^ m[b ^ low].high, low: m[low].low ^ m[b ^ low].low)
        }
        multiples = m
    }

    /// `x` · H, by bytes from the last to the first (Horner in x^8).
    private func timesKey(_ x: Element) -> Element {
        multiples.withUnsafeBufferPointer { m in
            Self.reduction.withUnsafeBufferPointer { r in
                var z = Element(high: 0, low: 0)
                for i in (0..<16).reversed() {
                    let byte = Int(truncatingIfNeeded: (i < 8 ? x.high >> UInt64(56 - 8 * i) : x.low >> UInt64(56 - 8 * (i - 8))) & 0xff)
                    // z · x^8, then add byte · H.
                    let out = Int(truncatingIfNeeded: z.low & 0xff)
                    z = Element(high: z.high >> 8 ^ r[out], low: z.low >> 8 | z.high << 56)
                    z.high ^= m[byte].high
                    z.low ^= m[byte].low
                }
                return z
            }
        }
    }

    /// Absorbs `data` zero-padded to whole blocks.
    mutating func absorb(_ data: ArraySlice<UInt8>) {
        var start = data.startIndex
        while start < data.endIndex {
            let end = min(start + 16, data.endIndex)
            let block = Element(data[start..<end])
            value = timesKey(Element(high: value.high ^ block.high, low: value.low ^ block.low))
            start = end
        }
    }

    /// The final block: the bit lengths of the additional data and the ciphertext.
    mutating func absorbLengths(additionalBytes: Int, ciphertextBytes: Int) {
        let block = Element(high: UInt64(additionalBytes) &* 8, low: UInt64(ciphertextBytes) &* 8)
        value = timesKey(Element(high: value.high ^ block.high, low: value.low ^ block.low))
    }
}

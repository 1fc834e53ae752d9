import Crypto
import FlowPacket
import _CryptoExtras

/// Prefix-preserving address anonymisation (Crypto-PAn: Xu, Fan, Ammar and Moon, ICNP 2002): two addresses that
/// share their first k bits share their first k bits after anonymisation, and the mapping is one-to-one and keyed.
///
/// The 32-byte key is an AES-128 key (first 16 bytes) and a pad seed (last 16, encrypted once with that key). Bit
/// i of the output is bit i of the input flipped by the first bit of AES(the input's first i bits followed by the
/// pad's remaining bits). IPv4 addresses take the first 32 bits of the block (the reference implementation's
/// layout, which its published sample reproduces); IPv6 addresses the whole 128.
public struct CryptoPAn {
    let key: SymmetricKey
    /// The encrypted pad, as two big-endian halves.
    let padHigh: UInt64
    let padLow: UInt64

    /// A key that is not 32 bytes long.
    public struct BadKey: Error, CustomStringConvertible {
        /// `a Crypto-PAn key is 32 bytes`.
        public var description: String { "a Crypto-PAn key is 32 bytes" }
    }

    /// The mapping of a 32-byte key: AES-128 key from the first 16 bytes, pad from encrypting the last 16.
    public init(key bytes: [UInt8]) throws {
        guard bytes.count == 32 else { throw BadKey() }
        key = SymmetricKey(data: bytes[0..<16])
        var pad = Array(bytes[16..<32])
        try AES.permute(&pad, key: key)
        padHigh = Self.word(pad, 0)
        padLow = Self.word(pad, 8)
    }

    static func word(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        var w: UInt64 = 0
        for i in 0..<8 { w = w << 8 | UInt64(bytes[offset + i]) }
        return w
    }

    /// The first bit of AES(high ‖ low); `block` is 16 bytes of scratch space, reused from bit to bit.
    func firstBit(_ high: UInt64, _ low: UInt64, _ block: inout [UInt8]) -> UInt64 {
        for i in 0..<8 {
            block[i] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * i))
            block[8 + i] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * i))
        }
        try! AES.permute(&block, key: key)  // a 16-byte block and a 16-byte key: cannot fail
        return UInt64(block[0] >> 7)
    }

    /// The anonymised address (same version).
    public func anonymize(_ address: IPAddress) -> IPAddress {
        var block = [UInt8](repeating: 0, count: 16)
        if address.version == 4 {
            let original = address.low & 0xFFFF_FFFF
            let padFirst = padHigh >> 32
            var flips: UInt64 = 0
            for position in 0..<32 {
                // The address's first `position` bits, then the pad's bits from there on (of the first 32).
                let keep: UInt64 = position == 0 ? 0 : (0xFFFF_FFFF << UInt64(32 - position)) & 0xFFFF_FFFF
                let first32 = (original & keep) | (padFirst & ~keep & 0xFFFF_FFFF)
                let high = first32 << 32 | (padHigh & 0xFFFF_FFFF)
                flips |= firstBit(high, padLow, &block) << UInt64(31 - position)
            }
            return IPAddress(v4: UInt32(original ^ flips))
        }
        var flipsHigh: UInt64 = 0
        var flipsLow: UInt64 = 0
        for position in 0..<128 {
            let high: UInt64
            let low: UInt64
            if position < 64 {
                let keep: UInt64 = position == 0 ? 0 : ~0 << UInt64(64 - position)
                high = (address.high & keep) | (padHigh & ~keep)
                low = padLow
            } else {
                let bits = position - 64
                let keep: UInt64 = bits == 0 ? 0 : ~0 << UInt64(64 - bits)
                high = address.high
                low = (address.low & keep) | (padLow & ~keep)
            }
            let bit = firstBit(high, low, &block)
            if position < 64 {
                flipsHigh |= bit << UInt64(63 - position)
            } else {
                flipsLow |= bit << UInt64(127 - position)
            }
        }
        return IPAddress(high: address.high ^ flipsHigh, low: address.low ^ flipsLow, version: 6)
    }
}

/// An IPv4 or IPv6 address stored inline as two big-endian 64-bit halves (IPv4 in the low 32 bits).
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first 8 bytes of an IPv6 address, read big-endian; 0 for IPv4.
    public var high: UInt64
    /// The last 8 bytes of an IPv6 address, or the IPv4 address in the low 32 bits.
    public var low: UInt64
    /// 4 or 6.
    public var version: UInt8

    /// An address from its two halves; for IPv4 `high` is 0 and the address is in the low 32 bits of `low`.
    @inlinable
    public init(high: UInt64, low: UInt64, version: UInt8) {
        self.high = high
        self.low = low
        self.version = version
    }

    /// An IPv4 address from its 32-bit big-endian value.
    @inlinable
    public init(v4: UInt32) {
        self.init(high: 0, low: UInt64(v4), version: 4)
    }

    /// The unspecified address of version 4.
    public static let zero = IPAddress(high: 0, low: 0, version: 4)

    /// Orders IPv4 before IPv6, then by value (the halves compared as unsigned numbers).
    @inlinable
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.version != b.version { return a.version < b.version }
        if a.high != b.high { return a.high < b.high }
        return a.low < b.low
    }

    /// The 16-bit groups of an IPv6 address, most significant first.
    @usableFromInline
    func group(_ i: Int) -> UInt16 {
        let word = i < 4 ? high : low
        return UInt16(truncatingIfNeeded: word >> UInt64((3 - (i & 3)) * 16))
    }

    /// Appends the text form, as glibc's `inet_ntop` writes it, to `out`.
    @inlinable
    public func write<Output: ByteOutput>(into out: inout Output) {
        if version == 4 {
            Self.writeDotted(UInt32(truncatingIfNeeded: low), into: &out)
            return
        }
        // Longest run of zero groups (at least 2), first one wins on a tie.
        var bestBase = -1, bestLen = 0, curBase = -1, curLen = 0
        for i in 0..<8 {
            if group(i) == 0 {
                if curBase < 0 { curBase = i; curLen = 1 } else { curLen += 1 }
            } else if curBase >= 0 {
                if bestBase < 0 || curLen > bestLen { bestBase = curBase; bestLen = curLen }
                curBase = -1
            }
        }
        if curBase >= 0 && (bestBase < 0 || curLen > bestLen) { bestBase = curBase; bestLen = curLen }
        if bestBase >= 0 && bestLen < 2 { bestBase = -1 }

        var i = 0
        while i < 8 {
            if bestBase >= 0 && i >= bestBase && i < bestBase + bestLen {
                if i == bestBase { out.append(UInt8(ascii: ":")) }
                i += 1
                continue
            }
            if i != 0 { out.append(UInt8(ascii: ":")) }
            // IPv4-compatible (::a.b.c.d, but not ::1 or ::0.0.0.1-style 7-zero forms of 1) and mapped (::ffff:a.b.c.d).
            if i == 6 && bestBase == 0
                && (bestLen == 6 || (bestLen == 7 && group(7) != 1) || (bestLen == 5 && group(5) == 0xFFFF))
            {
                Self.writeDotted(UInt32(truncatingIfNeeded: low), into: &out)
                return
            }
            Self.writeHex(group(i), into: &out)
            i += 1
        }
        if bestBase >= 0 && bestBase + bestLen == 8 { out.append(UInt8(ascii: ":")) }
    }

    /// The text form, as `inet_ntop` writes it (`192.0.2.1`, `2001:db8::1`, `::ffff:192.0.2.1`).
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(40)
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @inlinable
    static func writeDecimal<Output: ByteOutput>(_ v: UInt8, into out: inout Output) {
        if v >= 100 { out.append(0x30 + v / 100) }
        if v >= 10 { out.append(0x30 + (v / 10) % 10) }
        out.append(0x30 + v % 10)
    }

    @inlinable
    static func writeDotted<Output: ByteOutput>(_ v: UInt32, into out: inout Output) {
        writeDecimal(UInt8(truncatingIfNeeded: v >> 24), into: &out)
        out.append(UInt8(ascii: "."))
        writeDecimal(UInt8(truncatingIfNeeded: v >> 16), into: &out)
        out.append(UInt8(ascii: "."))
        writeDecimal(UInt8(truncatingIfNeeded: v >> 8), into: &out)
        out.append(UInt8(ascii: "."))
        writeDecimal(UInt8(truncatingIfNeeded: v), into: &out)
    }

    @inlinable @inline(__always)
    static func hexDigit(_ n: Int) -> UInt8 { n < 10 ? UInt8(48 + n) : UInt8(87 + n) }

    @inlinable
    static func writeHex<Output: ByteOutput>(_ v: UInt16, into out: inout Output) {
        var started = false
        for shift in stride(from: 12, through: 0, by: -4) {
            let nibble = Int((v >> UInt16(shift)) & 0xF)
            if nibble != 0 || started || shift == 0 {
                out.append(hexDigit(nibble))
                started = true
            }
        }
    }
}

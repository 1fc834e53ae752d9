import FlowPacket

/// A growable byte buffer over raw memory: appends cost a compare and a store, no copy-on-write checks.
/// A value must not be copied and appended to twice.
public struct RawByteBuffer: ByteOutput {
    @usableFromInline let storage: RawByteBufferStorage
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    /// Bytes written so far.
    public var count = 0
    /// Bytes the buffer holds before it grows.
    @inlinable public var bytesReserved: Int { capacity }

    /// An empty buffer with room for `capacity` bytes (at least 64); it doubles when full.
    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        storage = RawByteBufferStorage(capacity: self.capacity)
        base = storage.base
    }

    /// Appends one byte.
    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        if count == capacity { grow(minimum: count + 1) }
        base[count] = byte
        count &+= 1
    }

    /// Appends a copy of `bytes`, growing at most once.
    @inlinable
    public mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        if count + bytes.count > capacity { grow(minimum: count + bytes.count) }
        if let source = bytes.baseAddress {
            UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    /// Appends the UTF-8 bytes of a string literal.
    @inlinable
    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: UnsafeRawBufferPointer($0)) }
    }

    /// Appends `value` in decimal, with one capacity check.
    @inlinable
    public mutating func appendDecimal(_ value: UInt64) {
        reserve(20)
        appendDecimalReserved(value)
    }

    /// Makes room for `byteCount` more bytes (growing at most once), for the `appendReserved` calls that follow.
    @inlinable @inline(__always)
    public mutating func reserve(_ byteCount: Int) {
        if count &+ byteCount > capacity { grow(minimum: count + byteCount) }
    }

    /// Appends one byte into room made by `reserve`: no capacity check.
    @inlinable @inline(__always)
    public mutating func appendReserved(_ byte: UInt8) {
        base[count] = byte
        count &+= 1
    }

    /// Appends `value` in decimal into room made by `reserve` (at most 20 bytes): no capacity check.
    @inlinable @inline(__always)
    public mutating func appendDecimalReserved(_ value: UInt64) {
        if value < 10 {
            appendReserved(UInt8(truncatingIfNeeded: value) &+ 48)
        } else {
            count &+= Self.writeDecimal(value, to: base + count)
        }
    }

    /// Writes `value` in decimal at `destination` (room for 20 bytes) and returns how many bytes it wrote.
    @usableFromInline
    static func writeDecimal(_ value: UInt64, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        // Decimal digits from the bit length (log10(2) ≈ 1233/4096), corrected by one comparison.
        let bits = 64 &- value.leadingZeroBitCount
        var digits = (bits &* 1233) >> 12
        if digits < 19 && value >= Self.powerOfTen(digits) {
            digits &+= 1
        } else if digits >= 19 {
            digits = value >= 10_000_000_000_000_000_000 ? 20 : 19
        }
        if digits == 0 { digits = 1 }
        var v = value
        var p = destination + digits
        // Two digits per division, from a 200-byte table of "00" … "99".
        Self.digitPairs.withUTF8Buffer { pairs in
            while v >= 100 {
                let (q, r) = v.quotientAndRemainder(dividingBy: 100)
                p -= 2
                p[0] = pairs[Int(r) &* 2]
                p[1] = pairs[Int(r) &* 2 &+ 1]
                v = q
            }
            if v >= 10 {
                p -= 2
                p[0] = pairs[Int(v) &* 2]
                p[1] = pairs[Int(v) &* 2 &+ 1]
            } else {
                p -= 1
                p.pointee = UInt8(truncatingIfNeeded: v) &+ 48
            }
        }
        return digits
    }

    /// Appends a double as Python's `repr(float)` writes it (``PythonFloatFormat``), with one capacity check.
    @inlinable
    public mutating func appendPythonFloat(_ value: Double) {
        reserve(PythonFloatFormat.maximumLength)
        count &+= PythonFloatFormat.write(value, to: base + count)
    }

    /// Appends an IPv4 address (big-endian value) in dotted decimal, with one capacity check.
    @inlinable
    public mutating func appendIPv4(_ value: UInt32) {
        if count + 15 > capacity { grow(minimum: count + 15) }
        var p = base + count
        var shift: UInt32 = 24
        while true {
            let v = UInt8(truncatingIfNeeded: value >> shift)
            if v >= 100 {
                p[0] = 48 &+ v / 100
                p[1] = 48 &+ (v / 10) % 10
                p[2] = 48 &+ v % 10
                p += 3
            } else if v >= 10 {
                p[0] = 48 &+ v / 10
                p[1] = 48 &+ v % 10
                p += 2
            } else {
                p[0] = 48 &+ v
                p += 1
            }
            if shift == 0 { break }
            p[0] = UInt8(ascii: ".")
            p += 1
            shift &-= 8
        }
        count = p - base
    }

    /// 10^`n` for `n` in 0…18. A switch of constants, which the compiler turns into a table in read-only data:
    /// a global array would be initialised lazily, at the cost of a `swift_once` call on every number written.
    @inlinable @inline(__always)
    static func powerOfTen(_ n: Int) -> UInt64 {
        switch n {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1_000
        case 4: return 10_000
        case 5: return 100_000
        case 6: return 1_000_000
        case 7: return 10_000_000
        case 8: return 100_000_000
        case 9: return 1_000_000_000
        case 10: return 10_000_000_000
        case 11: return 100_000_000_000
        case 12: return 1_000_000_000_000
        case 13: return 10_000_000_000_000
        case 14: return 100_000_000_000_000
        case 15: return 1_000_000_000_000_000
        case 16: return 10_000_000_000_000_000
        case 17: return 100_000_000_000_000_000
        default: return 1_000_000_000_000_000_000
        }
    }

    /// "00", "01", … "99" as ASCII: a literal, so no lazy initialisation.
    @usableFromInline static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Appends `value` as two lower-case hex digits.
    @inlinable @inline(__always)
    public mutating func appendHexByte(_ value: UInt8) {
        if count + 2 > capacity { grow(minimum: count + 2) }
        let hi = value >> 4
        let lo = value & 0xF
        base[count] = hi < 10 ? 48 &+ hi : 87 &+ hi
        base[count + 1] = lo < 10 ? 48 &+ lo : 87 &+ lo
        count += 2
    }

    /// Appends the first `bytes` (3 or 6) bytes of a 48-bit MAC address as colon-separated lower-case hex, with one
    /// capacity check and one 8-byte store per three bytes (`hexTriple`).
    @inlinable
    public mutating func appendMAC(_ value: UInt64, bytes: Int) {
        if count &+ 17 > capacity { grow(minimum: count &+ 17) }
        let p = UnsafeMutableRawPointer(base + count)
        p.storeBytes(of: Self.hexTriple(value >> 24).littleEndian, as: UInt64.self)
        if bytes == 3 {
            count &+= 8
            return
        }
        p.storeBytes(of: UInt8(ascii: ":"), toByteOffset: 8, as: UInt8.self)
        p.storeBytes(of: Self.hexTriple(value & 0xFF_FFFF).littleEndian, toByteOffset: 9, as: UInt64.self)
        count &+= 17
    }

    /// The text `hh:hh:hh` of a 24-bit value, first character in the lowest byte: each nibble is moved into its own
    /// byte lane (lanes 2 and 5 hold the colons), then turned into its hex digit in all lanes at once (`'0' + n`,
    /// plus 39 more where n > 9, which n + 6 carrying into bit 4 tells).
    @inlinable @inline(__always)
    static func hexTriple(_ v: UInt64) -> UInt64 {
        var x = (v >> 20) & 0xF
        x |= ((v >> 16) & 0xF) << 8
        x |= ((v >> 12) & 0xF) << 24
        x |= ((v >> 8) & 0xF) << 32
        x |= ((v >> 4) & 0xF) << 48
        x |= (v & 0xF) << 56
        let letters = ((x &+ 0x0606_0006_0600_0606) >> 4) & 0x0101_0001_0100_0101
        return x &+ 0x3030_3A30_303A_3030 &+ letters &* 39
    }

    @usableFromInline
    mutating func grow(minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        storage.base = newBase
        capacity = newCapacity
    }

    /// The bytes written so far.
    @inlinable
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// The byte at `offset` (which must be below `count`).
    @inlinable
    public subscript(offset: Int) -> UInt8 { base[offset] }

    /// Forgets the content, keeping the memory.
    @inlinable
    public mutating func removeAll() { count = 0 }

    /// Overwrites the byte at `offset` (below `count`), e.g. a length written before what it measures.
    @inlinable
    public mutating func setByte(_ byte: UInt8, at offset: Int) {
        precondition(offset >= 0 && offset < count, "setByte outside the bytes written")
        base[offset] = byte
    }
}

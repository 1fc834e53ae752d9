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

    /// Appends `value` in decimal.
    @inlinable
    public mutating func appendDecimal(_ value: UInt64) {
        if value < 10 {
            append(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        // Decimal digits from the bit length (log10(2) ≈ 1233/4096), corrected by one comparison.
        let bits = 64 &- value.leadingZeroBitCount
        var digits = (bits &* 1233) >> 12
        if digits < 19 && value >= Self.powersOfTen[digits] {
            digits &+= 1
        } else if digits >= 19 {
            digits = value >= 10_000_000_000_000_000_000 ? 20 : 19
        }
        if digits == 0 { digits = 1 }
        if count + digits > capacity { grow(minimum: count + digits) }
        var v = value
        var p = base + count + digits
        // Two digits per division, from a 200-byte table of "00" … "99".
        Self.digitPairs.withUnsafeBufferPointer { pairs in
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
        count += digits
    }

    /// Appends an IPv4 address (big-endian value) in dotted decimal, with one capacity check.
    @inlinable
    public mutating func appendIPv4(_ value: UInt32) {
        if count + 15 > capacity { grow(minimum: count + 15) }
        var p = base + count
        for shift in [24, 16, 8, 0] as [UInt32] {
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
            if shift != 0 {
                p[0] = UInt8(ascii: ".")
                p += 1
            }
        }
        count = p - base
    }

    /// 10^0 … 10^18.
    @usableFromInline static let powersOfTen: [UInt64] = {
        var p: [UInt64] = [1]
        for _ in 1...18 { p.append(p.last! * 10) }
        return p
    }()

    /// "00", "01", … "99" as ASCII bytes.
    @usableFromInline static let digitPairs: [UInt8] = {
        var pairs: [UInt8] = []
        for n in 0..<100 {
            pairs.append(UInt8(48 + n / 10))
            pairs.append(UInt8(48 + n % 10))
        }
        return pairs
    }()

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
    /// capacity check (about twice as fast as byte by byte).
    @inlinable
    public mutating func appendMAC(_ value: UInt64, bytes: Int) {
        let length = bytes * 3 - 1
        if count + length > capacity { grow(minimum: count + length) }
        var p = base + count
        for i in 0..<bytes {
            let byte = UInt8(truncatingIfNeeded: value >> UInt64((5 - i) * 8))
            let hi = byte >> 4
            let lo = byte & 0xF
            p[0] = hi < 10 ? 48 &+ hi : 87 &+ hi
            p[1] = lo < 10 ? 48 &+ lo : 87 &+ lo
            if i != bytes - 1 { p[2] = UInt8(ascii: ":") }
            p += 3
        }
        count += length
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

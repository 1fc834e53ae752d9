/// A non-owning, bounds-checked view of a frame's captured bytes. Reads past the end return 0 instead of
/// trapping, so decoders check lengths where the result matters and stay memory-safe everywhere else.
public struct PacketView {
    @usableFromInline let base: UnsafeRawPointer
    /// Number of captured bytes.
    public let count: Int

    /// A view of `buffer`'s bytes; the memory must outlive the view (an empty buffer gives `count` 0).
    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer) {
        if let address = buffer.baseAddress {
            self.base = address
            self.count = buffer.count
        } else {
            self.base = UnsafeRawPointer(bitPattern: 0x10)!  // never dereferenced: count is 0
            self.count = 0
        }
    }

    /// The byte at `offset`, or 0 past the captured end.
    @inlinable @inline(__always)
    public func u8(_ offset: Int) -> UInt8 {
        guard UInt(bitPattern: offset) < UInt(bitPattern: count) else { return 0 }
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// Big-endian 16-bit value at `offset`.
    @inlinable @inline(__always)
    public func u16(_ offset: Int) -> UInt16 {
        guard UInt(bitPattern: offset) &+ 2 <= UInt(bitPattern: count) else { return 0 }
        return UInt16(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// Big-endian 32-bit value at `offset`.
    @inlinable @inline(__always)
    public func u32(_ offset: Int) -> UInt32 {
        guard UInt(bitPattern: offset) &+ 4 <= UInt(bitPattern: count) else { return 0 }
        return UInt32(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Big-endian 64-bit value at `offset`.
    @inlinable @inline(__always)
    public func u64(_ offset: Int) -> UInt64 {
        guard UInt(bitPattern: offset) &+ 8 <= UInt(bitPattern: count) else { return 0 }
        return UInt64(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// 48-bit MAC address at `offset`.
    @inlinable @inline(__always)
    public func mac(_ offset: Int) -> MACAddress {
        MACAddress(UInt64(u16(offset)) << 32 | UInt64(u32(offset + 2)))
    }
}

extension PacketView {
    /// The captured bytes in `range`, clipped to the captured end (empty when the range starts past it).
    @inlinable
    public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        let lower = min(max(range.lowerBound, 0), count)
        let upper = min(max(range.upperBound, lower), count)
        return UnsafeRawBufferPointer(start: base + lower, count: upper - lower)
    }
}

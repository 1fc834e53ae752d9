/// A non-owning, bounds-checked view of a frame's captured bytes. Reads past the end return 0 instead of
/// trapping, so decoders check lengths where the result matters and stay memory-safe everywhere else.
public struct PacketView {
    @usableFromInline let base: UnsafeRawPointer?
    /// Number of captured bytes.
    public let count: Int

    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer) {
        self.base = buffer.baseAddress
        self.count = buffer.count
    }

    @inlinable @inline(__always)
    public func u8(_ offset: Int) -> UInt8 {
        guard offset >= 0, offset < count, let base else { return 0 }
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// Big-endian 16-bit value at `offset`.
    @inlinable @inline(__always)
    public func u16(_ offset: Int) -> UInt16 {
        guard offset >= 0, offset &+ 2 <= count, let base else { return 0 }
        return UInt16(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// Big-endian 32-bit value at `offset`.
    @inlinable @inline(__always)
    public func u32(_ offset: Int) -> UInt32 {
        guard offset >= 0, offset &+ 4 <= count, let base else { return 0 }
        return UInt32(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Big-endian 64-bit value at `offset`.
    @inlinable @inline(__always)
    public func u64(_ offset: Int) -> UInt64 {
        guard offset >= 0, offset &+ 8 <= count, let base else { return 0 }
        return UInt64(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// 48-bit MAC address at `offset`.
    @inlinable @inline(__always)
    public func mac(_ offset: Int) -> MACAddress {
        MACAddress(UInt64(u16(offset)) << 32 | UInt64(u32(offset + 2)))
    }
}

/// A reading position in a ``PacketView``, for length-prefixed formats (TLS handshakes, QUIC packets and frames).
/// Every read checks that its bytes lie before `end` and returns nil otherwise, leaving the position unchanged, so a
/// parser of hostile input states each length check once, as a `guard let`.
public struct ByteCursor {
    /// The bytes read.
    public let view: PacketView
    /// The position of the next read.
    @inlinable public var offset: Int { position }
    @usableFromInline var position: Int
    /// Where this cursor's bytes end (at most `view.count`).
    public let end: Int

    /// A cursor over `view`'s bytes from `start` to `end` (default: the view's end), both clipped to the view.
    @inlinable
    public init(_ view: PacketView, from start: Int = 0, to end: Int? = nil) {
        self.view = view
        self.end = min(max(end ?? view.count, 0), view.count)
        self.position = min(max(start, 0), self.end)
    }

    /// Bytes left before `end`.
    @inlinable public var remaining: Int { end &- offset }
    /// Whether every byte was read.
    @inlinable public var isAtEnd: Bool { offset >= end }
    /// The bytes left, without reading them.
    @inlinable public var remainingBytes: UnsafeRawBufferPointer { view.bytes(offset..<end) }

    /// The next byte.
    @inlinable
    public mutating func u8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { position &+= 1 }
        return view.u8(offset)
    }

    /// The next two bytes, big-endian.
    @inlinable
    public mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { position &+= 2 }
        return view.u16(offset)
    }

    /// The next three bytes, big-endian (TLS handshake lengths).
    @inlinable
    public mutating func u24() -> UInt32? {
        guard remaining >= 3 else { return nil }
        defer { position &+= 3 }
        return UInt32(view.u8(offset)) << 16 | UInt32(view.u16(offset &+ 1))
    }

    /// The next four bytes, big-endian.
    @inlinable
    public mutating func u32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        defer { position &+= 4 }
        return view.u32(offset)
    }

    /// Moves past `count` bytes; false (and no move) when fewer remain or `count` is negative.
    @inlinable
    public mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        position &+= count
        return true
    }

    /// A cursor over the next `count` bytes, which this one moves past; nil (and no move) when fewer remain or
    /// `count` is negative.
    @inlinable
    public mutating func take(_ count: Int) -> ByteCursor? {
        guard count >= 0, count <= remaining else { return nil }
        let part = ByteCursor(view, from: offset, to: offset &+ count)
        position &+= count
        return part
    }
}

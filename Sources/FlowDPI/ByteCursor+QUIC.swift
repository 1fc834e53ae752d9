import FlowPacket

extension ByteCursor {
    /// A QUIC variable-length integer (RFC 9000 §16): the two high bits of its first byte give its length (1, 2, 4
    /// or 8 bytes). Nil, without moving, when it does not fit.
    mutating func quicVarint() -> UInt64? {
        guard remaining >= 1 else { return nil }
        let length = 1 << Int(view.u8(offset) >> 6)
        guard remaining >= length else { return nil }
        var value = UInt64(view.u8(offset) & 0x3f)
        for i in 1..<length { value = value << 8 | UInt64(view.u8(offset + i)) }
        _ = skip(length)
        return value
    }
}

/// A 48-bit MAC address stored in the low bits of a `UInt64`, first byte most significant.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    /// The six bytes in the low 48 bits, first byte most significant.
    public var value: UInt64
    /// An address from its 48-bit value (the upper 16 bits of `value` should be 0).
    @inlinable public init(_ value: UInt64) { self.value = value }
    /// `00:00:00:00:00:00`, the MAC of link types that carry none.
    public static let zero = MACAddress(0)

    /// Appends `xx:xx:xx:xx:xx:xx` (lower case) to `out`; with `ouiOnly`, only the first three bytes.
    @inlinable
    public func write<Output: ByteOutput>(into out: inout Output, ouiOnly: Bool = false) {
        let count = ouiOnly ? 3 : 6
        for i in 0..<count {
            if i != 0 { out.append(UInt8(ascii: ":")) }
            let byte = UInt8(truncatingIfNeeded: value >> UInt64((5 - i) * 8))
            out.append(IPAddress.hexDigit(Int(byte >> 4)))
            out.append(IPAddress.hexDigit(Int(byte & 0xF)))
        }
    }

    /// The text form, `xx:xx:xx:xx:xx:xx` in lower case.
    public var description: String {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Somewhere text bytes can be appended (a CSV buffer, an array).
public protocol ByteOutput {
    mutating func append(_ byte: UInt8)
}

extension Array: ByteOutput where Element == UInt8 {}

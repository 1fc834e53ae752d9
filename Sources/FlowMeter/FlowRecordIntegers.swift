import FlowPacket

/// The integers of a list value in a ``FlowRecord`` (borrowed from the record).
public struct FlowRecordIntegers: RandomAccessCollection {
    @usableFromInline let base: UnsafeRawPointer
    /// Number of integers in the list.
    public let count: Int

    @inlinable
    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    /// Always 0.
    @inlinable public var startIndex: Int { 0 }
    /// `count`.
    @inlinable public var endIndex: Int { count }

    /// The integer at `position` (traps when out of range).
    @inlinable
    public subscript(position: Int) -> Int64 {
        precondition(position >= 0 && position < count, "list index out of range")
        return base.loadUnaligned(fromByteOffset: position &* 8, as: Int64.self)
    }
}

import FlowWriters

/// A growable buffer of plain values in raw memory: an append is a compare and a store (no copy-on-write check,
/// no exclusivity check when reached through a pointer). Freed explicitly with ``deallocate()``.
struct RawBuffer<Element: BitwiseCopyable> {
    var base: UnsafeMutablePointer<Element>
    var count = 0
    var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { grow(minimum: count + 1) }
        base[count] = value
        count &+= 1
    }

    mutating func grow(minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }
    var rawBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count * MemoryLayout<Element>.stride)
    }

    @inline(__always)
    mutating func removeAll() { count = 0 }

    func deallocate() { base.deallocate() }
}

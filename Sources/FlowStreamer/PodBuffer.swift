import FlowMeter
import FlowPacket
import FlowWriters
import Synchronization

/// A growable array of plain values (no references: they are never deinitialised) in raw memory that keeps its
/// memory when cleared: appending costs a compare and a store, with none of `Array`'s uniqueness checks (the
/// batches live in class properties).
struct PodBuffer<Element>: ~Copyable {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: element)
        count += 1
    }

    mutating func removeAll() { count = 0 }
}

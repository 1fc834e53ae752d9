import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A bounded single-producer single-consumer ring of references. Lock-free: one acquire load and one release
/// store per operation. Exactly one thread may push and exactly one thread may pop.
final class SPSCRing<Element: AnyObject>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Element?>
    private let capacity: Int
    private let mask: Int
    private let head = RingCounter()  // next slot to read (consumer-owned)
    private let tail = RingCounter()  // next slot to write (producer-owned)

    init(capacity requested: Int) {
        var c = 2
        while c < requested { c <<= 1 }
        capacity = c
        mask = c - 1
        slots = .allocate(capacity: c)
        slots.initialize(repeating: nil, count: c)
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
    }

    /// Pushes `element` unless the ring is full.
    func tryPush(_ element: Element) -> Bool {
        let t = tail.value.load(ordering: .relaxed)
        let h = head.value.load(ordering: .acquiring)
        if t &- h == capacity { return false }
        slots[t & mask] = element
        tail.value.store(t &+ 1, ordering: .releasing)
        return true
    }

    /// Pops the oldest element, or nil when the ring is empty.
    func tryPop() -> Element? {
        let h = head.value.load(ordering: .relaxed)
        let t = tail.value.load(ordering: .acquiring)
        if h == t { return nil }
        let element = slots[h & mask].take()
        head.value.store(h &+ 1, ordering: .releasing)
        return element
    }

    /// Whether the ring holds nothing (exact for the consumer; a hint for anyone else).
    var isEmpty: Bool {
        head.value.load(ordering: .relaxed) == tail.value.load(ordering: .acquiring)
    }

    /// Whether the ring is full (exact for the producer; a hint for anyone else).
    var isFull: Bool { count >= capacity }

    /// Elements in the ring (exact for the consumer; a hint for anyone else).
    var count: Int {
        tail.value.load(ordering: .acquiring) &- head.value.load(ordering: .acquiring)
    }
}

import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An index on its own allocation, so the producer's and the consumer's counters do not share a cache line.
final class RingCounter: @unchecked Sendable {
    let value = Atomic<Int>(0)
    // Keeps the object larger than a cache line.
    let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
}

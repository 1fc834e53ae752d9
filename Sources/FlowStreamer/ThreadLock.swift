#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex. Used where ThreadSanitizer must see the ordering it gives: TSan does not model the futex
/// inside `Synchronization.Mutex` on Linux and reports the accesses it guards as races (DESIGN.md §6).
final class ThreadLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T: ~Copyable>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

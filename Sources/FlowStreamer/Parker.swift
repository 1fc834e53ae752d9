import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Lets one thread sleep until another has work for it, without polling: the owner `park`s after checking that it
/// has nothing to do, and a producer `unpark`s it after publishing work. The check runs after the owner has
/// announced that it is parking, and the producer looks for that announcement after publishing (both sequentially
/// consistent), so a wake-up is never lost; a timeout bounds the sleep anyway.
final class Parker: @unchecked Sendable {
    private let parked = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Sleeps until `unpark()` or for at most `timeoutMicroseconds`, unless `hasWork()` is already true once the
    /// parking is announced. Only the owning thread parks.
    func park(timeoutMicroseconds: Int, unless hasWork: () -> Bool) {
        pthread_mutex_lock(mutex)
        parked.store(true, ordering: .sequentiallyConsistent)
        if !hasWork() {
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let nanoseconds = Int(deadline.tv_nsec) + timeoutMicroseconds * 1000
            deadline.tv_sec += nanoseconds / 1_000_000_000
            deadline.tv_nsec = nanoseconds % 1_000_000_000
            pthread_cond_timedwait(condition, mutex, &deadline)
        }
        parked.store(false, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
    }

    /// Wakes the owner if it is parked. Call after publishing the work it waits for.
    @inline(__always)
    func unpark() {
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard parked.load(ordering: .sequentiallyConsistent) else { return }
        pthread_mutex_lock(mutex)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }
}

/// Waits for `take` to give a value: a few quick tries, then parked on `parker` until `ready` says a try is worth
/// it (or the timeout passes) between tries. `ready` may ask for more than one item (a waiter woken for several
/// batches at once wakes less often); it is checked after the parking is announced, so no wake-up is lost.
@inline(__always)
func waitFor<T>(
    _ parker: Parker, timeoutMicroseconds: Int = 2000, until ready: () -> Bool, take: () -> T?
) -> T {
    for _ in 0..<64 {
        if let value = take() { return value }
    }
    while true {
        parker.park(timeoutMicroseconds: timeoutMicroseconds, unless: ready)
        if let value = take() { return value }
    }
}

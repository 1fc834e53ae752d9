import CLibc

#if canImport(Glibc)
import Glibc
#endif

/// Starts an OS thread (outside Swift concurrency) named `name` and running `body`; join it with `pthread_join`.
///
/// The name is what `top -H`, `ps -L`, perf and debuggers show for the thread: at most 15 bytes (Linux's limit).
/// It is set before this returns (the thread's first steps may run under the caller's name). The reading thread
/// keeps the process's name.
func startThread(named name: String, _ body: @escaping @Sendable () -> Void) -> pthread_t {
    precondition(name.utf8.count <= 15, "a thread name has at most 15 bytes")
    final class Start {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Start(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(
        &thread, nil,
        { raw in
            let start = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! Start
            start.body()
            return nil
        }, context)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    _ = flowmeter_set_thread_name(thread, name)
    return thread
}

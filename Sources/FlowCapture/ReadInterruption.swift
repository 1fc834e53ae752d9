import CLibc
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Ends the blocking reads of captures that arrive through pipes (standard input, named pipes, `<(…)`) when the
/// run is interrupted, whichever thread the signal lands on and whenever it comes.
///
/// A read blocked on a pipe is not ended by a signal that lands on another thread, nor by one that lands just
/// before the `read` call (the flag it sets is only looked at between reads): the read then waits for bytes that
/// may never come. Such inputs are read through a stream whose reads first `poll` the pipe together with a wake
/// pipe; `request()`, called from the signal handler, writes one byte into the wake pipe and every later or
/// waiting read fails at once with `EINTR`. The byte is never read back: an interruption is for good.
public enum ReadInterruption {
    /// The wake pipe's read and write ends, -1 until `prepare()`.
    static let wakeRead = Atomic<Int32>(-1)
    static let wakeWrite = Atomic<Int32>(-1)

    /// Makes the wake pipe. Call it before installing a signal handler that calls `request()` (the handler must
    /// not be the first to touch these globals: their lazy initialisation is not async-signal-safe).
    public static func prepare() {
        guard wakeWrite.load(ordering: .acquiring) < 0 else { return }
        var ends: [Int32] = [-1, -1]
        guard flowmeter_pipe2(&ends, O_CLOEXEC | O_NONBLOCK) == 0 else { return }
        wakeRead.store(ends[0], ordering: .releasing)
        wakeWrite.store(ends[1], ordering: .releasing)
    }

    /// Async-signal-safe: ends every blocked and later read of a pipe input.
    public static func request() {
        let fd = wakeWrite.load(ordering: .acquiring)
        guard fd >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
    }

    /// A stdio stream reading `descriptor` (a pipe, FIFO or device, not a regular file), which it owns and closes.
    /// Each read waits in `poll` for the descriptor or the wake pipe, so an interruption ends it at once. The
    /// descriptor may be non-blocking.
    static func stream(readingPipe descriptor: Int32) -> UnsafeMutablePointer<FILE>? {
        let cookie = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        cookie.initialize(to: descriptor)
        let functions = flowmeter_cookie_functions(read: readPipe, write: nil, seek: nil, close: closePipe)
        guard let file = flowmeter_fopencookie(cookie, "rb", functions) else {
            cookie.deallocate()
            return nil
        }
        return file
    }
}

private func readPipe(_ cookie: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int {
    guard let cookie, let buffer else { return -1 }
    let descriptor = cookie.load(as: Int32.self)
    // On the stack: this runs for every refill of the stream's buffer.
    return withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 2) { fds in
        fds[0] = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        fds[1] = pollfd(fd: ReadInterruption.wakeRead.load(ordering: .acquiring), events: Int16(POLLIN), revents: 0)
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            if poll(fds.baseAddress, 2, -1) < 0 {
                if errno == EINTR { continue }  // the handler's byte is in the wake pipe by now, if it was ours
                return -1
            }
            if fds[1].revents != 0 {
                errno = EINTR
                return -1
            }
            let n = read(descriptor, buffer, size)
            if n >= 0 { return n }
            if errno == EINTR || errno == EAGAIN { continue }
            return -1
        }
    }
}

private func closePipe(_ cookie: UnsafeMutableRawPointer?) -> Int32 {
    guard let cookie else { return 0 }
    let descriptor = cookie.load(as: Int32.self)
    cookie.deallocate()
    return close(descriptor)
}

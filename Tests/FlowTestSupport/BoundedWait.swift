import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension Process {
    /// Waits at most `seconds` for the process to end. Past that, it is killed (SIGKILL) and reaped, and the result
    /// is false: a test that waits this way fails with a message instead of holding the whole suite up.
    @discardableResult
    public func waitUntilExit(timeout seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning {
            if Date() > deadline {
                kill(processIdentifier, SIGKILL)
                waitUntilExit()
                return false
            }
            usleep(5_000)
        }
        waitUntilExit()
        return true
    }
}

/// Opens a named pipe for writing once a reader has opened it, waiting at most `seconds` (an open that waits for a
/// reader that never comes would otherwise wait for ever). Nil when no reader came.
public func openPipeForWriting(_ path: String, timeout seconds: Double) -> FileHandle? {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        let fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        if fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        }
        if errno != ENXIO || Date() > deadline { return nil }
        usleep(5_000)
    }
}

/// Bytes written into the pipe `descriptor` and not read yet (FIONREAD); -1 when it cannot be asked.
public func bytesWaiting(inPipe descriptor: Int32) -> Int32 {
    var count: Int32 = 0
    return ioctl(descriptor, UInt(FIONREAD), &count) == 0 ? count : -1
}

/// A process a test waited for that did not end in time (it was killed).
public struct ProcessTimedOut: Error, CustomStringConvertible {
    public var command: [String]
    public var seconds: Double
    public init(_ command: [String], seconds: Double) {
        self.command = command
        self.seconds = seconds
    }
    public var description: String { "\(command.joined(separator: " ")) did not end within \(Int(seconds)) s (killed)" }
}

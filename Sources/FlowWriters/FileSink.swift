#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to a file through a temporary name in the same directory, renamed on `finish()`;
/// or to standard output when the path is `-`.
public final class FileSink: ByteSink {
    /// The path given (`-` for standard output), for messages.
    public let path: String
    let temporaryPath: String?
    var fd: Int32

    /// Opens `path`: `-` is standard output, a device, FIFO or socket is written directly, anything else goes to
    /// `.NAME.partial-PID` beside it until `finish()`. Throws `WriterError.cannotCreate` (also for a directory).
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = 1
            temporaryPath = nil
            return
        }
        var st = stat()
        if path.hasSuffix("/") || (stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR) {
            throw WriterError.cannotCreate(path: path, errno: EISDIR)
        }
        // A device, FIFO or socket (e.g. /dev/null, /dev/full, a named pipe) is written directly.
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG && (st.st_mode & S_IFMT) != S_IFDIR {
            fd = open(path, O_WRONLY | O_CLOEXEC)
            temporaryPath = nil
            if fd < 0 { throw WriterError.cannotCreate(path: path, errno: errno) }
            return
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let tmp = (directory.isEmpty ? "" : directory + "/") + ".\(name).partial-\(getpid())"
        temporaryPath = tmp
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            let e = errno
            throw WriterError.cannotCreate(path: path, errno: e)
        }
        PartialOutput.register(tmp)
    }

    /// Writes all of `bytes`, looping over short writes and EINTR; throws `WriterError.writeFailed`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let n = Glibc.write(fd, p, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                throw WriterError.writeFailed(path: path, errno: errno)
            }
            p += n
            remaining -= n
        }
    }

    /// Closes the file and renames the temporary file to `path` (standard output stays open; a device is closed).
    public func finish() throws {
        guard let tmp = temporaryPath else {
            if fd > 2 {
                let rc = close(fd)
                fd = -1
                if rc != 0 { throw WriterError.writeFailed(path: path, errno: errno) }
            }
            return
        }
        defer { PartialOutput.clear() }
        if fd >= 0 {
            if close(fd) != 0 {
                let e = errno
                fd = -1
                unlink(tmp)
                throw WriterError.writeFailed(path: path, errno: e)
            }
            fd = -1
        }
        if rename(tmp, path) != 0 {
            let e = errno
            unlink(tmp)
            throw WriterError.renameFailed(from: tmp, to: path, errno: e)
        }
    }

    /// Closes and removes the temporary file, if there is one.
    public func abandon() {
        guard let tmp = temporaryPath else { return }
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(tmp)
        PartialOutput.clear()
    }

    deinit {
        if let tmp = temporaryPath, fd >= 0 {
            close(fd)
            unlink(tmp)
        }
    }
}

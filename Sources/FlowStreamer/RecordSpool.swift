#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowWriters

/// The rows of one input of a parallel each-file conversion, kept until the inputs before it are written: their
/// typed records, back to back, in a temporary file that is unlinked as soon as it is created (so nothing is left
/// behind, whatever ends the process). ``replay(into:)`` reads them back in order.
final class RecordSpool: FlowWriter {
    let directory: String
    private var fd: Int32 = -1
    private var pending: [UInt8] = []
    private(set) var records: UInt64 = 0
    static let flushThreshold = 1 << 20
    /// What the file is called in messages (it has no name once created).
    var path: String { directory + "/(flowmeter spool)" }

    /// Creates the spool file in `directory`.
    init(directory: String) throws {
        self.directory = directory
        let base = (directory.hasSuffix("/") ? directory : directory + "/") + ".flowmeter-spool-\(getpid())-"
        for attempt in 0..<1000 {
            let name = base + String(UInt64.random(in: 0...UInt64.max) &+ UInt64(attempt), radix: 36)
            let opened = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if opened >= 0 {
                unlink(name)
                fd = opened
                break
            }
            if errno != EEXIST { throw WriterError.cannotCreate(path: name, errno: errno) }
        }
        if fd < 0 { throw WriterError.cannotCreate(path: base + "…", errno: EEXIST) }
        pending.reserveCapacity(Self.flushThreshold + (1 << 16))
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    func begin(schema: FlowSchema) throws {}

    func write(_ row: FlowRow) throws {
        pending.append(contentsOf: row.record.bytes)
        records += 1
        if pending.count >= Self.flushThreshold { try flush() }
    }

    private func flush() throws {
        try pending.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WriterError.writeFailed(path: path, errno: errno)
                }
                offset += n
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    func finish() throws { try flush() }

    func abandon() {
        pending.removeAll()
    }

    /// Hands every record, in the order written, to `rows`; then releases the file.
    func replay(into rows: SourcedRows) throws {
        try flush()
        defer {
            close(fd)
            fd = -1
        }
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw WriterError.writeFailed(path: path, errno: errno) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        while true {
            if filled == chunk.count { chunk += [UInt8](repeating: 0, count: chunk.count) }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw WriterError.writeFailed(path: path, errno: errno)
            }
            filled += n
            // Every whole record in the chunk; a partial one moves to the front.
            var offset = 0
            try chunk.withUnsafeBytes { bytes in
                while filled - offset >= FlowRecord.headerSize {
                    let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                    guard filled - offset >= length else { break }
                    try rows.write(FlowRecord(bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])))
                    offset += length
                }
            }
            if offset > 0 {
                chunk.withUnsafeMutableBytes {
                    $0.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: filled - offset)
                }
                filled -= offset
            }
            if n == 0 {
                if filled > 0 { throw WriterError.writeFailed(path: path, errno: EIO) }
                return
            }
        }
    }
}

import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// The size and SHA-256 of a file, read in 1 MiB blocks (swift-crypto's `SHA256`, BoringSSL's implementation).
public struct FileDigest: Equatable, Sendable {
    /// The size in bytes.
    public var size: Int64
    /// Lower-case hexadecimal, as `sha256sum` prints it.
    public var sha256: String

    /// Why a file could not be hashed.
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "cannot read '\(path)' to hash it: \(String(cString: strerror(errno)))" }
    }

    /// Hashes the file at `path`; nil for standard input (`-`) and files that are not regular (FIFOs, devices:
    /// they cannot be read again).
    public static func of(_ path: String) throws -> FileDigest? {
        var st = stat()
        guard path != "-", stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, errno: errno) }
        defer { close(fd) }
        var hash = SHA256()
        var size: Int64 = 0
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { block.deallocate() }
        while true {
            let n = read(fd, block.baseAddress, block.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, errno: errno)
            }
            if n == 0 { break }
            hash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: block[0..<n]))
            size += Int64(n)
        }
        let hex = hash.finalize().map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
        }
        return FileDigest(size: size, sha256: hex.joined())
    }
}

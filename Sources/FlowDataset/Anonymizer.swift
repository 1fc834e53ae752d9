#if canImport(Glibc)
import Glibc
#endif
import Crypto
import FlowPacket

/// What `--anonymize KEYFILE` does to a flow's values, keyed by a 32-byte secret: addresses through Crypto-PAn
/// (prefix-preserving), MAC addresses and identifying text through keyed hashes (HMAC-SHA256 under keys derived
/// from the secret with HKDF, one per purpose). The same key gives the same output, for any `--threads`.
///
/// Not thread-safe (it memoises): one per writer.
public final class Anonymizer {
    let addresses: CryptoPAn
    let macKey: SymmetricKey
    let textKey: SymmetricKey
    /// Keep MAC addresses' first three bytes (the vendor's OUI).
    public let keepOUI: Bool
    var addressCache: [IPAddress: IPAddress] = [:]
    var macCache: [UInt64: MACAddress] = [:]

    /// Length of a text digest, in hex digits (128 bits).
    public static let textDigestHexDigits = 32

    /// An anonymiser keyed by the 32-byte `key` (throws `CryptoPAn.BadKey` otherwise); `keepOUI` leaves MACs'
    /// vendor bytes as they are.
    public init(key: [UInt8], keepOUI: Bool = false) throws {
        addresses = try CryptoPAn(key: key)
        let secret = SymmetricKey(data: key)
        macKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, info: Array("flowmeter mac".utf8), outputByteCount: 32)
        textKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, info: Array("flowmeter text".utf8), outputByteCount: 32)
        self.keepOUI = keepOUI
    }

    /// The anonymised address (memoised: Crypto-PAn costs 32 or 128 AES blocks).
    public func address(_ a: IPAddress) -> IPAddress {
        if let done = addressCache[a] { return done }
        let result = addresses.anonymize(a)
        addressCache[a] = result
        return result
    }

    /// A MAC address replaced by a keyed hash: its first six bytes, marked locally administered and unicast, or
    /// with `keepOUI` the original first three bytes and three of the hash. The all-zero address (a link without
    /// MACs) stays as it is.
    public func mac(_ m: MACAddress) -> MACAddress {
        if m.value == 0 { return m }
        if let done = macCache[m.value] { return done }
        var bytes = [UInt8](repeating: 0, count: 6)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: m.value >> UInt64(40 - 8 * i)) }
        let digest = Array(HMAC<SHA256>.authenticationCode(for: bytes, using: macKey))
        var out = Array(digest[0..<6])
        if keepOUI {
            out[0] = bytes[0]
            out[1] = bytes[1]
            out[2] = bytes[2]
        } else {
            out[0] = out[0] & 0xFC | 0x02
        }
        var value: UInt64 = 0
        for b in out { value = value << 8 | UInt64(b) }
        let result = MACAddress(value)
        macCache[m.value] = result
        return result
    }

    /// Text replaced by the hex of its keyed hash (the first 128 bits); empty text stays empty.
    public func text(_ utf8: UnsafeRawBufferPointer) -> String {
        if utf8.isEmpty { return "" }
        let digest = HMAC<SHA256>.authenticationCode(for: utf8, using: textKey)
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(Self.textDigestHexDigits)
        for b in digest.prefix(Self.textDigestHexDigits / 2) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A key file that cannot be used: the file and why.
    public struct KeyProblem: Error, CustomStringConvertible {
        /// The key file's path.
        public var path: String
        /// What is wrong with it (missing, wrong size, unreadable, already there …).
        public var message: String
        /// `key file 'PATH': MESSAGE`.
        public var description: String { "key file '\(path)': \(message)" }
    }

    /// Reads a key file: exactly 32 bytes, readable by its owner only (no group or other permission bits).
    public static func readKey(path: String) throws(KeyProblem) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw KeyProblem(
                path: path, message: "\(String(cString: strerror(errno))) (make one with 'flowmeter keygen \(path)')")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw KeyProblem(path: path, message: "not a regular file")
        }
        if st.st_mode & 0o077 != 0 {
            throw KeyProblem(
                path: path,
                message: "readable or writable by group or others (mode \(String(st.st_mode & 0o777, radix: 8))): "
                    + "a key must be secret; run 'chmod 600 \(path)'")
        }
        guard st.st_size == 32 else {
            throw KeyProblem(
                path: path, message: "\(st.st_size) bytes; a key is 32 bytes ('flowmeter keygen' makes one)")
        }
        var key = [UInt8](repeating: 0, count: 32)
        let n = key.withUnsafeMutableBytes { read(fd, $0.baseAddress, 32) }
        guard n == 32 else { throw KeyProblem(path: path, message: "cannot be read whole") }
        return key
    }

    /// Writes a new key file: 32 random bytes from the system's generator, mode 0600, never over an existing file.
    public static func makeKey(path: String) throws(KeyProblem) {
        var key = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in 0..<32 { key[i] = UInt8.random(in: 0...255, using: &generator) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason =
                errno == EEXIST ? "exists already; refusing to overwrite a key" : String(cString: strerror(errno))
            throw KeyProblem(path: path, message: reason)
        }
        let n = key.withUnsafeBytes { write(fd, $0.baseAddress, 32) }
        let synced = fsync(fd) == 0
        close(fd)
        guard n == 32, synced else {
            unlink(path)
            throw KeyProblem(path: path, message: "cannot be written: \(String(cString: strerror(errno)))")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlowWriters

/// Where IPFIX output goes, as `-o` names it: `ipfix+udp://HOST:PORT`, `ipfix+tcp://HOST:PORT` (IPv6 literals in
/// brackets), or a file (`FILE.ipfix`, RFC 5655).
public enum IPFIXDestination: Equatable, Sendable, CustomStringConvertible {
    case udp(host: String, port: UInt16)
    case tcp(host: String, port: UInt16)
    case file(path: String)

    /// Whether `output` names an IPFIX destination (a collector URL or a `.ipfix` file).
    public static func isIPFIX(_ output: String) -> Bool {
        let lower = output.lowercased()
        return lower.hasPrefix("ipfix+udp://") || lower.hasPrefix("ipfix+tcp://") || lower.hasPrefix("ipfix://")
            || lower.hasSuffix(".ipfix")
    }

    /// Parses `-o`; the error says what is wrong with it.
    public init(parsing output: String) throws(IPFIXError) {
        let lower = output.lowercased()
        let scheme: String
        if lower.hasPrefix("ipfix+udp://") {
            scheme = "udp"
        } else if lower.hasPrefix("ipfix+tcp://") {
            scheme = "tcp"
        } else if lower.hasPrefix("ipfix://") {
            throw .badDestination(output, "say the transport: ipfix+udp://HOST:PORT or ipfix+tcp://HOST:PORT")
        } else {
            self = .file(path: output)
            return
        }
        let rest = String(output.dropFirst("ipfix+udp://".count))
        let host: String
        let portText: String
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw .badDestination(output, "an IPv6 address goes in brackets: ipfix+\(scheme)://[::1]:4739")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else {
                throw .badDestination(output, "give a port after the address: [\(host)]:4739")
            }
            portText = String(after.dropFirst())
        } else {
            guard let colon = rest.lastIndex(of: ":"), !rest[..<colon].contains(":") else {
                throw .badDestination(
                    output, "give HOST:PORT (an IPv6 address in brackets: ipfix+\(scheme)://[::1]:4739)")
            }
            host = String(rest[..<colon])
            portText = String(rest[rest.index(after: colon)...])
        }
        guard !host.isEmpty else { throw .badDestination(output, "the host is missing") }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .badDestination(output, "the port must be a number from 1 to 65535 (got '\(portText)')")
        }
        self = scheme == "udp" ? .udp(host: host, port: UInt16(port)) : .tcp(host: host, port: UInt16(port))
    }

    /// The destination as `-o` writes it: `ipfix+udp://HOST:PORT` (an IPv6 host in brackets), or the file path.
    public var description: String {
        switch self {
        case .udp(let host, let port): return "ipfix+udp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .tcp(let host, let port): return "ipfix+tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .file(let path): return path
        }
    }
}

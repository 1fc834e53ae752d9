#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlowWriters

/// Errors of IPFIX export, each naming the destination.
public enum IPFIXError: Error, CustomStringConvertible, Sendable {
    case badDestination(String, String)
    case cannotResolve(host: String, message: String)
    case cannotConnect(destination: String, message: String)
    case sendFailed(destination: String, message: String)
    case recordTooLarge(destination: String, bytes: Int, mtu: Int)
    case templateTooLarge(destination: String, bytes: Int, mtu: Int)

    /// The message the CLI prints: what failed, where, and what to do about it.
    public var description: String {
        switch self {
        case .badDestination(let output, let why): return "-o '\(output)' is not an IPFIX destination: \(why)"
        case .cannotResolve(let host, let message):
            return "cannot resolve the collector host '\(host)': \(message) (check the name, or give an address)"
        case .cannotConnect(let destination, let message):
            return
                "cannot connect to the collector \(destination): \(message) (is it listening on that address and port?)"
        case .sendFailed(let destination, let message): return "cannot send to the collector \(destination): \(message)"
        case .recordTooLarge(let destination, let bytes, let mtu):
            return
                "a flow record needs \(bytes) bytes in an IPFIX message but --ipfix-mtu is \(mtu) for \(destination): raise --ipfix-mtu or export fewer columns"
        case .templateTooLarge(let destination, let bytes, let mtu):
            return
                "the IPFIX template of these columns needs \(bytes) bytes in a message but --ipfix-mtu is \(mtu) for \(destination): raise --ipfix-mtu or export fewer columns"
        }
    }
}

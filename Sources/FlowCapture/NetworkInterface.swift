#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A network interface libpcap can capture on, as `pcap_findalldevs` lists it.
public struct NetworkInterface: Sendable, Hashable {
    /// One IPv4 or IPv6 address of an interface.
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        /// 4 or 6.
        public var ipVersion: UInt8
        /// The address as `inet_ntop` writes it (`192.0.2.1`, `fe80::1`; no zone index).
        public var text: String
        /// The prefix length from the netmask (24 for 255.255.255.0), nil when libpcap gives no netmask.
        public var prefixLength: Int?

        /// A value with the given fields.
        public init(ipVersion: UInt8, text: String, prefixLength: Int?) {
            self.ipVersion = ipVersion
            self.text = text
            self.prefixLength = prefixLength
        }

        /// `text/prefixLength`, or `text` alone when the prefix is unknown.
        public var description: String { prefixLength.map { "\(text)/\($0)" } ?? text }

        /// The address of an `AF_INET` or `AF_INET6` socket address; nil for other families (`AF_PACKET` …).
        init?(socketAddress: UnsafeMutablePointer<sockaddr>?, netmask: UnsafeMutablePointer<sockaddr>?) {
            guard let socketAddress, let (version, bytes) = Self.bytes(of: socketAddress) else { return nil }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            let family = version == 4 ? AF_INET : AF_INET6
            let ok = bytes.withUnsafeBytes { raw in
                inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
            }
            guard ok else { return nil }
            ipVersion = version
            text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if let netmask, let (maskVersion, maskBytes) = Self.bytes(of: netmask), maskVersion == version {
                prefixLength = maskBytes.reduce(0) { $0 + $1.nonzeroBitCount }
            } else {
                prefixLength = nil
            }
        }

        /// The IP version and network-order address bytes of an `AF_INET`/`AF_INET6` socket address.
        private static func bytes(of address: UnsafeMutablePointer<sockaddr>) -> (UInt8, [UInt8])? {
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                return UnsafeRawPointer(address).withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var a = sin.pointee.sin_addr
                    return (4, withUnsafeBytes(of: &a) { Array($0) })
                }
            case AF_INET6:
                return UnsafeRawPointer(address).withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var a = sin6.pointee.sin6_addr
                    return (6, withUnsafeBytes(of: &a) { Array($0) })
                }
            default:
                return nil
            }
        }
    }

    /// The name to capture on (`eth0`, `lo`, `any`).
    public var name: String
    /// libpcap's description, when it has one (on Linux mostly for `any` and the USB/Bluetooth/netfilter devices).
    public var description: String?
    /// The interface's IPv4 and IPv6 addresses, in libpcap's order.
    public var addresses: [Address]
    /// The interface is administratively up.
    public var isUp: Bool
    /// The interface is running (up, and its link is operational).
    public var isRunning: Bool
    /// The interface is a loopback interface.
    public var isLoopback: Bool
    /// The interface is wireless (not necessarily Wi-Fi).
    public var isWireless: Bool

    /// A value with the given fields.
    public init(
        name: String, description: String?, addresses: [Address], isUp: Bool, isRunning: Bool, isLoopback: Bool,
        isWireless: Bool = false
    ) {
        self.name = name
        self.description = description
        self.addresses = addresses
        self.isUp = isUp
        self.isRunning = isRunning
        self.isLoopback = isLoopback
        self.isWireless = isWireless
    }

    /// Every interface libpcap can see, in `pcap_findalldevs`' order (interfaces that are up come first, loopback
    /// after the others). Listing needs no privileges; capturing on one may.
    public static func all() throws -> [NetworkInterface] {
        try PcapHandle.interfaces()
    }
}

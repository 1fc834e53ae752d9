#if canImport(Glibc)
import Glibc
#endif
import FlowPacket

extension IPAddress {
    /// An IPv4 or IPv6 address read from text (inet_pton's forms: `192.0.2.1`, `2001:db8::1`); nil otherwise.
    public init?(text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(v4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        withUnsafeBytes(of: &v6) { bytes in
            for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
            for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        }
        self.init(high: high, low: low, version: 6)
    }
}

/// The IP protocols known by name, both ways: rule files read them (`tcp`), packet tables write them.
public enum IPProtocolName {
    static let pairs: [(UInt8, String)] = [
        (1, "icmp"), (2, "igmp"), (6, "tcp"), (17, "udp"), (47, "gre"), (50, "esp"), (51, "ah"), (58, "icmpv6"),
        (89, "ospf"), (132, "sctp"),
    ]

    /// The protocol a name or a number (0-255) means.
    public static func number(_ text: String) -> UInt8? {
        if let n = UInt8(text) { return n }
        let lower = text.lowercased()
        return pairs.first { $0.1 == lower }?.0
    }

    /// The known names, sorted (for messages).
    public static var names: [String] { pairs.map(\.1).sorted() }

    /// The name of each protocol number as UTF-8 bytes (empty when it has none), for writing without a lookup.
    public static let utf8: [[UInt8]] = {
        var table = [[UInt8]](repeating: [], count: 256)
        for (n, name) in pairs { table[Int(n)] = Array(name.utf8) }
        return table
    }()
}

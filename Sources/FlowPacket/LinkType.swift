/// A libpcap data-link type (`DLT_*` value as returned by `pcap_datalink`).
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `DLT_*` number.
    public var rawValue: Int32
    /// Wraps any `DLT_*` number, supported or not (see `isSupported`).
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// BSD loopback, 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    /// Ethernet (and 802.3 with LLC/SNAP).
    public static let ethernet = LinkType(rawValue: 1)
    /// PPP, 2-byte protocol field (or Cisco HDLC framing when the frame starts with 0x0f/0x8f).
    public static let ppp = LinkType(rawValue: 9)
    /// Raw IP, version taken from the first nibble (Linux value).
    public static let raw = LinkType(rawValue: 12)
    /// Raw IP as defined on OpenBSD.
    public static let rawOpenBSD = LinkType(rawValue: 14)
    /// PPP in HDLC-like framing.
    public static let pppSerial = LinkType(rawValue: 50)
    /// LINKTYPE_RAW as written in capture files (libpcap normally maps it to `raw`).
    public static let rawLinktype = LinkType(rawValue: 101)
    /// Cisco HDLC.
    public static let cHDLC = LinkType(rawValue: 104)
    /// OpenBSD loopback, 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// Linux cooked capture v1.
    public static let linuxSLL = LinkType(rawValue: 113)
    /// 802.11 with a radiotap header.
    public static let ieee80211Radiotap = LinkType(rawValue: 127)
    /// Raw IPv4.
    public static let ipv4 = LinkType(rawValue: 228)
    /// Raw IPv6.
    public static let ipv6 = LinkType(rawValue: 229)
    /// Linux cooked capture v2.
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Whether the decoder understands this link type.
    public var isSupported: Bool {
        switch self {
        case .null, .ethernet, .ppp, .raw, .rawOpenBSD, .pppSerial, .rawLinktype, .cHDLC, .loop, .linuxSLL,
            .ieee80211Radiotap, .ipv4, .ipv6, .linuxSLL2:
            return true
        default:
            return false
        }
    }

    /// The libpcap name without `DLT_` (`EN10MB`, `LINUX_SLL2` …), or `DLT n` for types the decoder does not know.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .ethernet: return "EN10MB"
        case .ppp: return "PPP"
        case .raw, .rawOpenBSD, .rawLinktype: return "RAW"
        case .pppSerial: return "PPP_SERIAL"
        case .cHDLC: return "C_HDLC"
        case .loop: return "LOOP"
        case .linuxSLL: return "LINUX_SLL"
        case .ieee80211Radiotap: return "IEEE802_11_RADIO"
        case .ipv4: return "IPV4"
        case .ipv6: return "IPV6"
        case .linuxSLL2: return "LINUX_SLL2"
        default: return "DLT \(rawValue)"
        }
    }
}

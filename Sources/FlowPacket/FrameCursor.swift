/// Where `PacketDecoder` is within one frame: what the layers read so far found. It lives for one `decode` call.
struct FrameCursor {
    /// The link type of the frame being read (a tunnel that carries an Ethernet frame switches it to Ethernet).
    var link: LinkType
    /// Where the current link-layer header starts.
    var linkOffset = 0
    /// The ethertype of the payload at `ipOffset` (0 when the link layer names none).
    var type: UInt16 = 0
    /// Where the current IP header starts.
    var ipOffset = 0
    /// The innermost VLAN id seen (0: none).
    var vlan: UInt16 = 0
    /// The tunnel the packet came out of (`TunnelKind`'s raw value, 0: none).
    var tunnel: UInt8 = 0
    var sourceMAC = MACAddress.zero
    var destinationMAC = MACAddress.zero
    /// The IP header's protocol (after IPv6's extension headers).
    var ipProtocol: UInt8 = 0
    /// IPv4: the header's length; IPv6: the bytes after the extension headers.
    var ipLength = 0
    var isIPv4 = true
    /// IPv6: where the transport header starts, after the extension headers.
    var ipv6TransportOffset = 0
    /// Link and IP layers read: a frame that nests tunnels without end stops at 32.
    var layers = 0

    init(link: LinkType) {
        self.link = link
    }

    /// Where the IP packet's transport header starts.
    var transportOffset: Int { isIPv4 ? ipOffset + ipLength : ipv6TransportOffset }
}

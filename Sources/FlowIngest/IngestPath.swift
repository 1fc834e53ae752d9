import FlowCapture

/// How packets reach the meter. Every path meters the same flows from the same input; they differ in what
/// feeding the meter costs (`flowmeter bench` measures it).
public enum IngestPath: String, Sendable, CaseIterable {
    /// libpcap's borrowed bytes, decoded in place into a fixed-size `DecodedPacket` (no allocation per packet).
    case direct
    /// A `tshark` child process reads the capture or interface and prints each packet (PDML, or fields); its
    /// output is parsed back into packets, as pyshark does.
    case tshark
    /// Every packet becomes heap objects, one per layer with a dictionary of fields (as scapy builds packets),
    /// and the meter is fed what those objects say.
    case object
}

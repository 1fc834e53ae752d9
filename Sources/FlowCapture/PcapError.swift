/// Errors of the capture side. Each names the file (or interface), what libpcap said, and what to do.
public enum PcapError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, message: String)
    case badFilter(expression: String, message: String)
    case readFailed(path: String, packetNumber: UInt64, byteOffset: Int64?, message: String)
    case unsupportedLinkType(path: String, linkType: Int32, name: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let message):
            let hint: String
            if message.contains("No such file") {
                hint = "check the path"
            } else if message.contains("Permission denied") {
                hint = "make the file readable (chmod) or run as a user who can read it"
            } else if message.contains("unknown file format") || message.contains("bad dump file format")
                || message.contains("not a")
            {
                hint = "the file is not a pcap or pcapng capture; convert it with editcap or check the name"
            } else if message.contains("truncated") {
                hint = "the file ends inside its header; it is empty or cut short"
            } else {
                hint = "check that it is a readable pcap or pcapng file"
            }
            return "cannot read capture '\(path)': \(message) (\(hint))"
        case .badFilter(let expression, let message):
            return "invalid --bpf filter '\(expression)': \(message)"
        case .readFailed(let path, let packetNumber, let offset, let message):
            let at = offset.map { ", reading stopped at byte offset \($0)" } ?? ""
            return
                "capture '\(path)' is damaged: packet \(packetNumber + 1) could not be read (\(message)\(at)); the flows of the \(packetNumber) packets before it were written (cut the file with editcap or repair it with pcapfix to read it cleanly)"
        case .unsupportedLinkType(let path, let linkType, let name):
            return
                "capture '\(path)' has link type \(name) (\(linkType)), which flowmeter does not decode; supported: Ethernet, Linux cooked v1/v2, raw IP, BSD loopback, PPP, Cisco HDLC, 802.11 radiotap"
        }
    }
}

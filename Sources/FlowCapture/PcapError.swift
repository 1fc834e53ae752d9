/// Errors of the capture side. Each names the file (or interface), what libpcap said, and what to do.
public enum PcapError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, message: String)
    case badFilter(expression: String, message: String)
    /// A capture stopped being readable part-way: `packetNumber` packets of the file were read before the one that
    /// could not be; `byteOffset` is where reading stopped (when known).
    case readFailed(path: String, packetNumber: UInt64, byteOffset: Int64?, message: String)
    case unsupportedLinkType(path: String, linkType: Int32, name: String)
    /// Live capture: the interface does not exist; `available` names the ones `pcap_findalldevs` lists.
    case noSuchInterface(interface: String, available: [String])
    /// Live capture: the process lacks the privileges to capture (`function` is the libpcap call that failed).
    case permissionDenied(interface: String, function: String, message: String)
    /// Live capture: the process may capture but not put the interface in promiscuous mode.
    case promiscuousPermissionDenied(interface: String, message: String)
    /// Live capture: the interface exists but is down.
    case interfaceDown(interface: String)
    /// Live capture: any other failure to open or configure the interface, with the libpcap call and its message.
    case cannotCapture(interface: String, function: String, message: String)
    /// Live capture: reading failed after the capture started (the interface went down or disappeared, …).
    case captureFailed(interface: String, message: String)
    /// `pcap_findalldevs` failed.
    case cannotListInterfaces(message: String)
    /// `--ingest tshark`: no tshark executable at `path` (or on PATH).
    case tsharkMissing(path: String)
    /// `--ingest tshark`: tshark could not be started, exited with an error, or wrote output we cannot read.
    case tsharkFailed(message: String, stderr: String)

    /// The message printed for the error: it names the file, interface or option and what to do.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let message):
            let hint: String
            if message.contains("Is a directory") {
                hint = "give the capture files in it (flowmeter convert reads a directory's captures)"
            } else if message.contains("No such file") {
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
            return "capture '\(path)' is damaged: packet \(packetNumber + 1) could not be read (\(message)\(at)); "
                + "the flows of its \(packetNumber) packets before it were kept (cut the file with editcap or repair "
                + "it with pcapfix to read it cleanly)"
        case .unsupportedLinkType(let path, let linkType, let name):
            return
                "capture '\(path)' has link type \(name) (\(linkType)), which flowmeter does not decode; supported: Ethernet, Linux cooked v1/v2, raw IP, BSD loopback, PPP, Cisco HDLC, 802.11 radiotap"
        case .noSuchInterface(let interface, let available):
            let list =
                available.isEmpty
                ? "libpcap lists no interface at all (is this a container without network devices?)"
                : "the interfaces are: \(available.joined(separator: ", "))"
            return "no interface '\(interface)' to capture on: \(list) (see `flowmeter interfaces`)"
        case .permissionDenied(let interface, let function, let message):
            return
                "capture on \(interface) needs privileges: run as root or grant CAP_NET_RAW to the binary (enough on Linux, promiscuous mode included): sudo setcap cap_net_raw=eip $(command -v flowmeter) (\(function): \(message))"
        case .promiscuousPermissionDenied(let interface, let message):
            return
                "capture on \(interface) in promiscuous mode is not permitted: capture without promiscuous mode, or run as root or grant CAP_NET_RAW and CAP_NET_ADMIN to the binary: sudo setcap cap_net_raw,cap_net_admin=eip $(command -v flowmeter) (pcap_activate: \(message))"
        case .interfaceDown(let interface):
            return
                "interface \(interface) is down: bring it up (sudo ip link set \(interface) up) and start the capture again"
        case .cannotCapture(let interface, let function, let message):
            return "cannot capture on \(interface): \(function) failed: \(message)"
        case .captureFailed(let interface, let message):
            return "capture on \(interface) stopped: \(message)"
        case .cannotListInterfaces(let message):
            return "cannot list the network interfaces: pcap_findalldevs failed: \(message)"
        case .tsharkMissing(let path):
            return
                "--ingest tshark needs tshark, and there is none at '\(path)': install Debian's package (sudo apt-get install tshark), or give its location with --tshark-path or on PATH"
        case .tsharkFailed(let message, let stderr):
            let quoted = stderr.split(separator: "\n").filter { !$0.contains("Running as user \"root\"") }
                .suffix(8).joined(separator: "\n    ")
            return "tshark \(message)" + (quoted.isEmpty ? "" : "; it said:\n    " + quoted)
        }
    }
}

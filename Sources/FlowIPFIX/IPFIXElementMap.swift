import FlowMeter

/// How each column of a flow row becomes an information element. Core columns with an IANA element use it
/// (addresses, ports, protocol, IP version, VLAN, MACs, start and end times, packets, the flow id, the application
/// name); every other column is an enterprise-specific element of `enterprise`, numbered from 1000 in the order of
/// `knownColumns` (flowmeter's built-in columns, so a column keeps its number whatever options are on) and from
/// 10000 for columns it does not list (a user's plugin), in schema order.
public struct IPFIXElementMap: Sendable {
    /// The enterprise number of every non-IANA element (`--ipfix-pen`; RFC 5612's 32473 by default).
    public let enterprise: UInt32
    let knownColumns: [String: Int]

    /// A map numbering `knownColumns` from 1000 under `enterprise` (the order fixes the numbers).
    public init(enterprise: UInt32 = IPFIXElement.documentationPEN, knownColumns: [String]) {
        self.enterprise = enterprise
        var known: [String: Int] = [:]
        for (i, name) in knownColumns.enumerated() where known[name] == nil { known[name] = i }
        self.knownColumns = known
    }

    /// The IANA element of a core column, for an IPv4 (`v6` false) or IPv6 flow.
    static func iana(_ column: String, v6: Bool) -> IPFIXElement? {
        switch column {
        case "id": return .init(id: 148, type: .unsigned64, name: "flowId")
        case "src_ip":
            return v6
                ? .init(id: 27, type: .ipv6Address, name: "sourceIPv6Address")
                : .init(id: 8, type: .ipv4Address, name: "sourceIPv4Address")
        case "dst_ip":
            return v6
                ? .init(id: 28, type: .ipv6Address, name: "destinationIPv6Address")
                : .init(id: 12, type: .ipv4Address, name: "destinationIPv4Address")
        case "src_mac": return .init(id: 56, type: .macAddress, name: "sourceMacAddress")
        case "dst_mac": return .init(id: 80, type: .macAddress, name: "destinationMacAddress")
        case "src_port": return .init(id: 7, type: .unsigned16, name: "sourceTransportPort")
        case "dst_port": return .init(id: 11, type: .unsigned16, name: "destinationTransportPort")
        case "protocol": return .init(id: 4, type: .unsigned8, name: "protocolIdentifier")
        case "ip_version": return .init(id: 60, type: .unsigned8, name: "ipVersion")
        case "vlan_id": return .init(id: 58, type: .unsigned16, name: "vlanId")
        case "bidirectional_first_seen_ms", IPFIXCountersPlugin.flowStartMilliseconds:
            return .init(id: 152, type: .dateTimeMilliseconds, name: "flowStartMilliseconds")
        case "bidirectional_last_seen_ms", IPFIXCountersPlugin.flowEndMilliseconds:
            return .init(id: 153, type: .dateTimeMilliseconds, name: "flowEndMilliseconds")
        case "src2dst_packets": return .init(id: 2, type: .unsigned64, name: "packetDeltaCount")
        case "dst2src_packets":
            return IPFIXElement(id: 2, type: .unsigned64, name: "packetDeltaCount").reversed(
                name: "reversePacketDeltaCount")
        case IPFIXCountersPlugin.src2dstIPBytes: return .init(id: 1, type: .unsigned64, name: "octetDeltaCount")
        case IPFIXCountersPlugin.dst2srcIPBytes:
            return IPFIXElement(id: 1, type: .unsigned64, name: "octetDeltaCount").reversed(
                name: "reverseOctetDeltaCount")
        case IPFIXCountersPlugin.src2dstLayer2Bytes:
            return .init(id: 352, type: .unsigned64, name: "layer2OctetDeltaCount")
        case IPFIXCountersPlugin.dst2srcLayer2Bytes:
            return IPFIXElement(id: 352, type: .unsigned64, name: "layer2OctetDeltaCount")
                .reversed(name: "reverseLayer2OctetDeltaCount")
        case IPFIXCountersPlugin.flowEndReason: return .init(id: 136, type: .unsigned8, name: "flowEndReason")
        case "application_name": return .init(id: 96, type: .string, name: "applicationName")
        default: return nil
        }
    }

    /// The element of every column of `schema`, for IPv4 and for IPv6 flows.
    public func elements(for schema: FlowSchema, v6: Bool) -> [IPFIXElement] {
        var unknown = 0
        return schema.columns.map { column in
            if let element = Self.iana(column.name, v6: v6) { return element }
            let id: Int
            if let index = knownColumns[column.name] {
                id = 1000 + index
            } else {
                id = 10000 + unknown
                unknown += 1
            }
            let type: IPFIXDataType
            switch column.type {
            case .integer, .boolean: type = .signed64
            case .float: type = .float64
            case .text: type = .string
            case .list: type = .basicList
            }
            return IPFIXElement(id: UInt16(min(id, 32767)), enterprise: enterprise, type: type, name: column.name)
        }
    }
}

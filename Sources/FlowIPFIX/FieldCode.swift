import FlowMeter
import FlowPacket
import FlowWriters

/// How one column is encoded in a data record: a plain form of its ``IPFIXElement`` (no strings), so that encoding
/// a row touches no reference counts.
struct FieldCode {
    enum Kind: UInt8 {
        case integer, float, ipv4, ipv6, mac, string, basicList
    }
    var kind: Kind
    /// Bytes of an integer field.
    var width: Int
    /// A list's element: its id (enterprise bit set when it has an enterprise number) and enterprise number.
    var listElement: UInt16
    var enterprise: UInt32

    init(_ element: IPFIXElement) {
        switch element.type {
        case .float64: kind = .float
        case .ipv4Address: kind = .ipv4
        case .ipv6Address: kind = .ipv6
        case .macAddress: kind = .mac
        case .string: kind = .string
        case .basicList: kind = .basicList
        default: kind = .integer
        }
        width = Int(element.type.length == 65535 ? 0 : element.type.length)
        listElement = element.enterprise == nil ? element.id : 0x8000 | element.id
        enterprise = element.enterprise ?? 0
    }
}

import FlowMeter

/// IPFIX abstract data types (RFC 7012 §3.1; the numbers are IANA's, used in RFC 5610 type records).
public enum IPFIXDataType: UInt8, Sendable {
    case unsigned8 = 1
    case unsigned16 = 2
    case unsigned32 = 3
    case unsigned64 = 4
    case signed64 = 8
    case float64 = 10
    case macAddress = 12
    case string = 13
    case dateTimeMilliseconds = 15
    case ipv4Address = 18
    case ipv6Address = 19
    case basicList = 20

    /// The encoded length in a template (65535: variable length).
    var length: UInt16 {
        switch self {
        case .unsigned8: return 1
        case .unsigned16: return 2
        case .unsigned32: return 4
        case .unsigned64, .signed64, .float64, .dateTimeMilliseconds: return 8
        case .macAddress: return 6
        case .ipv4Address: return 4
        case .ipv6Address: return 16
        case .string, .basicList: return 65535
        }
    }

    /// RFC 7012's name of the type.
    public var name: String {
        switch self {
        case .unsigned8: return "unsigned8"
        case .unsigned16: return "unsigned16"
        case .unsigned32: return "unsigned32"
        case .unsigned64: return "unsigned64"
        case .signed64: return "signed64"
        case .float64: return "float64"
        case .macAddress: return "macAddress"
        case .string: return "string"
        case .dateTimeMilliseconds: return "dateTimeMilliseconds"
        case .ipv4Address: return "ipv4Address"
        case .ipv6Address: return "ipv6Address"
        case .basicList: return "basicList"
        }
    }
}

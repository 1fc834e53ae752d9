/// The tunnels the decoder strips, as numbered in the `tunnel_id` column: NFStream's values for GTP-U, CAPWAP and
/// TZSP, and flowmeter's own for VXLAN and GRE (NFStream does not decode them).
public enum TunnelKind: UInt8, Sendable, CaseIterable {
    case none = 0
    case gtpU = 1
    case capwap = 2
    case tzsp = 3
    case vxlan = 5
    case gre = 6

    /// The protocol's name: GTP-U, CAPWAP, TZSP, VXLAN, GRE ("none" for 0).
    public var name: String {
        switch self {
        case .none: return "none"
        case .gtpU: return "GTP-U"
        case .capwap: return "CAPWAP"
        case .tzsp: return "TZSP"
        case .vxlan: return "VXLAN"
        case .gre: return "GRE"
        }
    }

    /// "0 none, 1 GTP-U, 2 CAPWAP, 3 TZSP, 5 VXLAN, 6 GRE": the values as the column's description gives them.
    public static var legend: String { allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", ") }
}

/// Why a flow left the table.
public enum ExpirationReason: UInt8, Sendable, CaseIterable {
    /// No packet for `idle_timeout`.
    case idle
    /// Older than `active_timeout` when a packet arrived.
    case active
    /// Still active when the input ended (or capture was stopped).
    case endOfStream
    /// A plugin asked for it.
    case plugin
    /// TCP FIN in both directions and the last ACK.
    case tcpFin
    /// TCP RST.
    case tcpRst
    /// The table was full and this flow had been idle the longest.
    case tableFull

    /// NFStream's `expiration_id`: 0 idle or end of capture, 1 active, -1 custom; ours beyond that.
    public var expirationID: Int {
        switch self {
        case .idle, .endOfStream: return 0
        case .active: return 1
        case .plugin: return -1
        case .tcpFin, .tcpRst: return 3
        case .tableFull: return 2
        }
    }

    /// The name written in the `expiration_reason` column.
    public var name: String {
        switch self {
        case .idle: return "idle"
        case .active: return "active"
        case .endOfStream: return "end_of_stream"
        case .plugin: return "plugin"
        case .tcpFin: return "tcp_fin"
        case .tcpRst: return "tcp_rst"
        case .tableFull: return "table_full"
        }
    }
}

import FlowPacket

/// The value type of a column.
public enum ColumnType: String, Sendable {
    case integer, float, text, list, boolean
}

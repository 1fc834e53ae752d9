import FlowPacket

/// Receives every flow as it leaves a meter. `columns` (the plugins' columns) is valid only during the call.
public protocol FlowExporter: AnyObject {
    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent)
}

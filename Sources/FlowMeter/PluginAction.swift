/// What a plugin asks of the meter after a hook.
public enum PluginAction: Sendable {
    /// Go on metering the flow.
    case keep
    /// Expire the flow now (expiration_id -1, reason `plugin`). From `flowStarted` the flow leaves with its one
    /// packet; from `packetObserved` it leaves with the current packet; from `packetArriving` it leaves *without*
    /// the current packet, which then starts a new flow.
    case expire
}

import FlowPacket

/// One flow meter: a flow table with NFStream's expiry rules. Single-threaded; no locks.
///
/// Order of exported flows: a flow expired by the arrival of one of its own packets leaves at that packet;
/// after each packet that moves the clock past the next 10 ms scan tick, every idle flow leaves, least recently
/// active first; at the end, the remaining flows leave least recently active first. `FlowOrderKey` states this
/// order, so meters that each own some shards of the key space can be merged into exactly the same sequence.
///
/// Noncopyable: a meter owns its flow table and its plugins' states.
public struct Meter: ~Copyable {
    /// The options the meter was made with (timeouts, accounting mode, tunnels, `maxFlows` …).
    public let configuration: MeterConfiguration
    /// The active flows.
    public var table: FlowTable
    /// Counters of the meter's own work.
    public var statistics = MeterStatistics()
    /// Highest packet time seen (NFStream's `meter_tick`); earlier packets are re-stamped to it.
    public var clock: UInt64 = 0
    @usableFromInline var lastScan: UInt64 = 0
    @usableFromInline var packetIndex: UInt64 = 0
    /// Flows per shard when `maxFlows` is set (0: unbounded).
    @usableFromInline let shardLimit: Int
    /// The timeouts and the scan interval in ticks of the configuration's time unit.
    @usableFromInline let idleTicks: UInt64
    @usableFromInline let activeTicks: UInt64
    @usableFromInline let scanTicks: UInt64
    @usableFromInline var expiring: [(UInt64, Int32)] = []
    /// Every plugin's states and hooks, in plugin order.
    @usableFromInline let plugins: [_PluginStates]
    /// The same stores as unretained references, so the per-packet loops do no reference counting
    /// (`plugins` keeps them alive).
    @usableFromInline let pluginRefs: PluginReferences
    @usableFromInline let hasPlugins: Bool
    @usableFromInline var pluginCapacity = 0
    /// A lower bound of every flow's last-seen time (touches and inserts only raise the true minimum), so most
    /// scans end after one comparison.
    @usableFromInline var lastSeenLowerBound: UInt64 = 0

    /// A meter with `configuration`, one store per plugin, and a table sized for `initialCapacity` flows.
    public init(configuration: MeterConfiguration, plugins: [any FeaturePlugin] = [], initialCapacity: Int = 4096) {
        self.configuration = configuration
        self.table = FlowTable(initialCapacity: initialCapacity)
        self.plugins = plugins.map { $0._makeStates() }
        pluginRefs = PluginReferences(self.plugins)
        hasPlugins = !plugins.isEmpty
        shardLimit = configuration.maxFlows > 0 ? max(1, configuration.maxFlows / FlowTable.shardCount) : 0
        idleTicks = configuration.idleTimeoutTicks
        activeTicks = configuration.activeTimeoutTicks
        scanTicks = configuration.scanIntervalTicks
    }

    /// Meters one decoded packet: clamps its time to the meter clock (NFStream's rule), numbers it, updates its
    /// flow, and runs the idle scan when the clock has moved 10 ms since the last one.
    @inlinable
    public mutating func process(
        _ packet: inout DecodedPacket, frame: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        exporter: some FlowExporter
    ) {
        if packet.time > clock { clock = packet.time } else { packet.time = clock }
        let index = packetIndex
        packetIndex &+= 1
        let scan = clock &- lastScan >= scanTicks
        if scan { lastScan = clock }
        let key = FlowKey(packet)
        processRouted(packet, frame: frame, key: key, hash: key.hashValue64, index: index, exporter: exporter)
        if scan { expireIdle(clock: clock, eventIndex: index, exporter: exporter) }
    }

    /// Meters a packet whose time was already clamped and whose index and key hash were computed by a dispatcher.
    @inlinable
    public mutating func processRouted(
        _ packet: DecodedPacket, frame: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        key: FlowKey, hash: UInt64, index: UInt64, exporter: some FlowExporter
    ) {
        statistics.packets &+= 1
        if packet.time > clock { clock = packet.time }
        let size = packet.size(accountingMode: configuration.accountingMode)
        guard let slot = table.find(key, hash: hash) else {
            create(key: key, hash: hash, packet: packet, frame: frame, size: size, index: index, exporter: exporter)
            return
        }
        let t = packet.time
        let arrival = FlowEvent(index: index, kind: .arrival)
        var reason: ExpirationReason? = nil
        if t &- table.flows[Int(slot)].lastSeen >= idleTicks {
            reason = .idle
        } else if t &- table.flows[Int(slot)].firstSeen >= activeTicks {
            reason = .active
        }
        let direction = table.flows[Int(slot)].direction(of: packet)
        var context = PacketContext(
            packet: packet, direction: direction, deltaTime: t &- table.flows[Int(slot)].lastSeen, size: size,
            frame: frame)
        if reason == nil && hasPlugins && pluginsAskExpiry(.arriving, slot: slot, context: &context) {
            reason = .plugin
        }
        if let reason {
            expire(slot: slot, hash: hash, reason: reason, event: arrival, exporter: exporter)
            create(key: key, hash: hash, packet: packet, frame: frame, size: size, index: index, exporter: exporter)
            return
        }
        context.deltaTime = table[slot].add(packet, direction: direction, size: size, index: index)
        table.touch(slot)
        endIfAsked(after: .observe, slot: slot, hash: hash, context: &context, event: arrival, exporter: exporter)
    }

    /// The plugin hooks a packet goes through.
    @usableFromInline
    enum Hook { case start, arriving, observe }

    /// Runs `hook` of every plugin for the flow in `slot`; true when any asks for the flow to expire.
    @inlinable
    func pluginsAskExpiry(_ hook: Hook, slot: Int32, context: inout PacketContext) -> Bool {
        let flow = UnsafePointer(table.flows + Int(slot))
        var expire = false
        for i in 0..<pluginRefs.count {
            let action = pluginRefs.pointer[i]._withUnsafeGuaranteedRef { store -> PluginAction in
                switch hook {
                case .start: return store.start(slot, flow, &context)
                case .arriving: return store.arriving(slot, flow, &context)
                case .observe: return store.observe(slot, flow, &context)
                }
            }
            if action == .expire { expire = true }
        }
        return expire
    }

    /// After a packet was counted into the flow in `slot`: a plugin, or TCP termination, may end the flow now.
    @inlinable
    mutating func endIfAsked(
        after hook: Hook, slot: Int32, hash: UInt64, context: inout PacketContext, event: FlowEvent,
        exporter: some FlowExporter
    ) {
        if hasPlugins && pluginsAskExpiry(hook, slot: slot, context: &context) {
            expire(slot: slot, hash: hash, reason: .plugin, event: event, exporter: exporter)
            return
        }
        if configuration.tcpTermination && context.packet.ipProtocol == 6,
            let ending = tcpTermination(slot: slot, flags: context.packet.tcpFlags, direction: context.direction)
        {
            expire(slot: slot, hash: hash, reason: ending, event: event, exporter: exporter)
        }
    }

    /// Whether this packet (already counted) ends the TCP connection of the flow in `slot`: a RST, or the ACK
    /// from the side that received the second FIN.
    @inlinable
    mutating func tcpTermination(slot: Int32, flags: UInt8, direction: UInt8) -> ExpirationReason? {
        if flags & DecodedPacket.TCPFlag.rst != 0 { return .tcpRst }
        let state = table.flows[Int(slot)].tcpFinState
        if state & 0b11 == 0b11 {
            // Both FINs seen: the ACK from the side that did not send the second FIN closes the connection.
            let lastAckDirection: UInt8 = state & 0b100 != 0 ? 0 : 1
            if direction == lastAckDirection && flags & DecodedPacket.TCPFlag.ack != 0 { return .tcpFin }
            return nil
        }
        if flags & DecodedPacket.TCPFlag.fin != 0 {
            var next = state | (direction == 0 ? 0b01 : 0b10)
            if next & 0b11 == 0b11 && direction == 1 { next |= 0b100 }
            table.flows[Int(slot)].tcpFinState = next
        }
        return nil
    }

    @inlinable
    mutating func create(
        key: FlowKey, hash: UInt64, packet: DecodedPacket, frame: UnsafeRawBufferPointer, size: UInt16, index: UInt64,
        exporter: some FlowExporter
    ) {
        let arrival = FlowEvent(index: index, kind: .arrival)
        if shardLimit > 0 {
            let shard = FlowTable.shard(of: hash)
            if table.count(inShard: shard) >= shardLimit, let victim = table.oldestSlot(inShard: shard) {
                statistics.flowsEvicted &+= 1
                expire(
                    slot: victim, hash: table.flows[Int(victim)].key.hashValue64, reason: .tableFull, event: arrival,
                    exporter: exporter)
            }
        }
        let slot = table.insert(Flow(key: key, packet: packet, size: size, index: index), hash: hash)
        statistics.flowsCreated &+= 1
        statistics.activeFlows = table.count
        if table.count > statistics.peakActiveFlows { statistics.peakActiveFlows = table.count }
        if hasPlugins && pluginCapacity < table.slotCapacity {
            pluginCapacity = table.slotCapacity
            for store in plugins { store.ensureCapacity(pluginCapacity) }
        }
        if hasPlugins || configuration.tcpTermination {
            var context = PacketContext(packet: packet, direction: 0, deltaTime: 0, size: size, frame: frame)
            endIfAsked(after: .start, slot: slot, hash: hash, context: &context, event: arrival, exporter: exporter)
        }
    }

    @inlinable
    mutating func expire(
        slot: Int32, hash: UInt64, reason: ExpirationReason, event: FlowEvent, exporter: some FlowExporter
    ) {
        table.flows[Int(slot)].expirationReason = reason
        for i in 0..<pluginRefs.count {
            pluginRefs.pointer[i]._withUnsafeGuaranteedRef { $0.expire(slot, table.flows + Int(slot)) }
        }
        exporter.export(
            table.flows[Int(slot)], columns: PluginColumns(references: pluginRefs, slot: slot), event: event)
        table.remove(slot: slot, hash: hash)
        statistics.flowsExpired &+= 1
        statistics.activeFlows = table.count
    }

    /// Expires every flow idle at `clock`, least recently active first, as the scan after packet `eventIndex`.
    @inlinable
    public mutating func expireIdle(clock: UInt64, eventIndex: UInt64, exporter: some FlowExporter) {
        guard table.count > 0 else { return }
        let idle = idleTicks
        if clock &- lastSeenLowerBound < idle { return }
        expiring.removeAll(keepingCapacity: true)
        var newBound = UInt64.max
        for shard in 0..<FlowTable.shardCount {
            var slot = table.shardOldest[shard]
            while slot >= 0 {
                let lastSeen = table.flows[Int(slot)].lastSeen
                guard clock &- lastSeen >= idle else {
                    if lastSeen < newBound { newBound = lastSeen }
                    break
                }
                expiring.append((table.flows[Int(slot)].lastPacketIndex, slot))
                slot = table.flows[Int(slot)].newerSlot
            }
        }
        lastSeenLowerBound = newBound == .max ? clock : newBound
        guard !expiring.isEmpty else { return }
        if expiring.count > 1 { expiring.sort { $0.0 < $1.0 } }
        let event = FlowEvent(index: eventIndex, kind: .scan)
        for (_, slot) in expiring {
            expire(
                slot: slot, hash: table.flows[Int(slot)].key.hashValue64, reason: .idle, event: event,
                exporter: exporter)
        }
    }

    /// Runs the idle scan if the clock (moved to `time` when later, e.g. by a wall-clock tick in live capture) has
    /// advanced a scan interval. `eventIndex` is the index of the last packet seen.
    public mutating func advanceClock(to time: UInt64, eventIndex: UInt64, exporter: some FlowExporter) {
        if time > clock { clock = time }
        if clock &- lastScan >= scanTicks {
            lastScan = clock
            expireIdle(clock: clock, eventIndex: eventIndex, exporter: exporter)
        }
    }

    /// A wall-clock tick (live capture on a quiet link): moves the clock to `time` when later and runs the idle scan
    /// as if after the last packet.
    public mutating func tick(clock time: UInt64, exporter: some FlowExporter) {
        advanceClock(to: time, eventIndex: packetIndex == 0 ? 0 : packetIndex &- 1, exporter: exporter)
    }

    /// Tells every plugin the run is over.
    public func cleanupPlugins() {
        for store in plugins { store.cleanup() }
    }

    /// The value of plugin type `P` this meter works with (its ``FeaturePlugin/copyForMeter()``), or nil when no
    /// plugin of that type runs here.
    public func plugin<P: FeaturePlugin>(_ type: P.Type) -> P? {
        for store in plugins { if let plugin = store.plugin as? P { return plugin } }
        return nil
    }

    /// Expires every remaining flow (end of input), least recently active first.
    public mutating func flush(reason: ExpirationReason = .endOfStream, exporter: some FlowExporter) {
        var remaining = table.allSlots().map { (table.flows[Int($0)].lastPacketIndex, $0) }
        remaining.sort { $0.0 < $1.0 }
        let event = FlowEvent(index: .max, kind: .end)
        for (_, slot) in remaining {
            expire(
                slot: slot, hash: table.flows[Int(slot)].key.hashValue64, reason: reason, event: event,
                exporter: exporter)
        }
    }
}

import FlowPacket

/// Receives every flow as it leaves a meter, in the meter's deterministic order.
/// The `SPLTView` is valid only during the call.
public protocol FlowExporter: AnyObject {
    func export(_ flow: borrowing Flow, splt: SPLTView)
}

/// Counters a meter keeps about its own work.
public struct MeterStatistics: Sendable, Equatable {
    public var packets: UInt64 = 0
    public var flowsCreated: UInt64 = 0
    public var flowsExpired: UInt64 = 0
    public var activeFlows: Int = 0
    public var peakActiveFlows: Int = 0
    public init() {}
}

/// One flow meter: a flow table with NFStream's expiry rules. Single-threaded; no locks.
///
/// Order of exported flows (which the writer numbers 0, 1, 2 …): a flow expired by the arrival of one of its
/// own packets leaves at that packet; after each packet that moves the clock past the next 10 ms scan tick,
/// every idle flow leaves, least recently active first; at the end, the remaining flows leave least recently
/// active first. Every step depends only on the input, never on timing or threads.
public struct Meter {
    public let configuration: MeterConfiguration
    public var table: FlowTable
    public var statistics = MeterStatistics()
    /// Highest packet time seen (NFStream's `meter_tick`); earlier packets are re-stamped to it.
    public var clock: UInt64 = 0
    @usableFromInline var lastScan: UInt64 = 0
    @usableFromInline var packetIndex: UInt64 = 0

    public init(configuration: MeterConfiguration) {
        self.configuration = configuration
        self.table = FlowTable(initialCapacity: 4096, spltLength: configuration.spltLength)
    }

    /// Meters one decoded packet. Its time is clamped to the meter clock first (NFStream's rule).
    @inlinable
    public mutating func process(_ packet: inout DecodedPacket, exporter: some FlowExporter) {
        if packet.timeMilliseconds > clock { clock = packet.timeMilliseconds } else { packet.timeMilliseconds = clock }
        let index = packetIndex
        packetIndex &+= 1
        statistics.packets &+= 1
        let scan = clock &- lastScan >= configuration.scanIntervalMilliseconds
        if scan { lastScan = clock }

        let key = FlowKey(packet)
        let hash = key.hashValue64
        let size = packet.size(accountingMode: configuration.accountingMode)
        let stats = configuration.statistics
        if let slot = table.find(key, hash: hash) {
            let t = packet.timeMilliseconds
            var reason: ExpirationReason? = nil
            if t &- table.flows[Int(slot)].lastSeen >= configuration.idleTimeoutMilliseconds {
                reason = .idle
            } else if t &- table.flows[Int(slot)].firstSeen >= configuration.activeTimeoutMilliseconds {
                reason = .active
            }
            if let reason {
                expire(slot: slot, hash: hash, reason: reason, exporter: exporter)
                create(key: key, hash: hash, packet: packet, size: size, index: index)
            } else {
                let (direction, piat) = table[slot].add(packet, size: size, index: index, statistics: stats)
                if table.spltLength > 0 {
                    let position = table.flows[Int(slot)].packets - 1
                    table.recordSPLT(slot: slot, position: position, direction: direction, size: size, piat: piat)
                }
                table.touch(slot)
            }
        } else {
            create(key: key, hash: hash, packet: packet, size: size, index: index)
        }
        if scan { expireIdle(exporter: exporter) }
    }

    @inlinable
    mutating func create(key: FlowKey, hash: UInt64, packet: DecodedPacket, size: UInt16, index: UInt64) {
        let flow = Flow(key: key, packet: packet, size: size, index: index, statistics: configuration.statistics)
        let slot = table.insert(flow, hash: hash)
        if table.spltLength > 0 {
            table.recordSPLT(slot: slot, position: 0, direction: 0, size: size, piat: 0)
        }
        statistics.flowsCreated &+= 1
        statistics.activeFlows = table.count
        if table.count > statistics.peakActiveFlows { statistics.peakActiveFlows = table.count }
    }

    @inlinable
    mutating func expire(slot: Int32, hash: UInt64, reason: ExpirationReason, exporter: some FlowExporter) {
        table[slot].expirationReason = reason
        exporter.export(table[slot], splt: table.splt(slot: slot))
        table.remove(slot: slot, hash: hash)
        statistics.flowsExpired &+= 1
        statistics.activeFlows = table.count
    }

    /// Expires every flow idle at the current clock, least recently active first.
    @inlinable
    public mutating func expireIdle(exporter: some FlowExporter) {
        while let slot = table.oldestSlot {
            let last = table.flows[Int(slot)].lastSeen
            guard clock &- last >= configuration.idleTimeoutMilliseconds else { return }
            expire(slot: slot, hash: table.flows[Int(slot)].key.hashValue64, reason: .idle, exporter: exporter)
        }
    }

    /// Advances the clock without a packet (for live capture when the link is quiet) and expires idle flows.
    public mutating func advanceClock(to time: UInt64, exporter: some FlowExporter) {
        if time > clock { clock = time }
        if clock &- lastScan >= configuration.scanIntervalMilliseconds {
            lastScan = clock
            expireIdle(exporter: exporter)
        }
    }

    /// Expires every remaining flow (end of input), least recently active first.
    public mutating func flush(reason: ExpirationReason = .endOfStream, exporter: some FlowExporter) {
        while let slot = table.oldestSlot {
            expire(slot: slot, hash: table.flows[Int(slot)].key.hashValue64, reason: reason, exporter: exporter)
        }
    }
}

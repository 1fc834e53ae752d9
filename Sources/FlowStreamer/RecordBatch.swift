import FlowMeter
import FlowPacket
import FlowWriters
import Synchronization

/// The typed records of the flows a meter expired, each with its place in the output order, on their way to the
/// output stage. Reused through the meter's recycling ring.
final class RecordBatch: @unchecked Sendable {
    /// The records, back to back.
    @exclusivity(unchecked) var records = FlowRecordBuffer(capacity: 1 << 14)
    /// One order key per record.
    @exclusivity(unchecked) var keys: [FlowOrderKey] = []
    /// The meter's last batch: its statistics come with it.
    var isLast = false
    var statistics = MeterStatistics()

    init() { keys.reserveCapacity(64) }

    var isEmpty: Bool { keys.isEmpty }

    func clear() {
        records.removeAll()
        keys.removeAll(keepingCapacity: true)
        isLast = false
    }
}

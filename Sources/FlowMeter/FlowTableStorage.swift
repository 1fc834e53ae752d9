import FlowPacket

/// Owns the raw storage of a `FlowTable` and frees it when the table goes away.
@usableFromInline
final class FlowTableStorage {
    @usableFromInline var index: UnsafeMutablePointer<UInt64>
    @usableFromInline var flows: UnsafeMutablePointer<Flow>
    /// Per shard: oldest and newest slot of its activity list (-1 when empty), and its flow count.
    @usableFromInline let shardOldest: UnsafeMutablePointer<Int32>
    @usableFromInline let shardNewest: UnsafeMutablePointer<Int32>
    @usableFromInline let shardCounts: UnsafeMutablePointer<Int>

    init(indexCapacity: Int, flowCapacity: Int) {
        shardOldest = .allocate(capacity: FlowTable.shardCount)
        shardOldest.initialize(repeating: -1, count: FlowTable.shardCount)
        shardNewest = .allocate(capacity: FlowTable.shardCount)
        shardNewest.initialize(repeating: -1, count: FlowTable.shardCount)
        shardCounts = .allocate(capacity: FlowTable.shardCount)
        shardCounts.initialize(repeating: 0, count: FlowTable.shardCount)
        index = .allocate(capacity: indexCapacity)
        index.initialize(repeating: 0, count: indexCapacity)
        flows = .allocate(capacity: flowCapacity)
    }

    deinit {
        // Flow holds only trivial values: no deinitialisation needed.
        index.deallocate()
        flows.deallocate()
        shardOldest.deallocate()
        shardNewest.deallocate()
        shardCounts.deallocate()
    }
}

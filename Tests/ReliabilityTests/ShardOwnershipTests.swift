import FlowMeter
import Testing

@testable import FlowStreamer

/// How the threaded pipeline shares the flow table's shards between the reading thread's lane and the meter threads.
/// (That the rows do not depend on it is checked by the byte-identity tests of `ThreadedPipelineTests` and
/// `ThreadingTests`.)
@Suite struct ShardOwnershipTests {
    @Test func theReadingThreadMetersAShareOfTheShardsOnlyWhenThereAreMeterThreads() {
        #expect(FlowTable.shardCount == 64)
        #expect(ThreadedConsumer.laneShards(meters: 1, readsPacketBytes: true) == 0)
        // Application detection: a quarter of the table on two meters, less as threads are added.
        #expect(ThreadedConsumer.laneShards(meters: 2, readsPacketBytes: true) == 16)
        #expect(ThreadedConsumer.laneShards(meters: 3, readsPacketBytes: true) == 8)
        #expect(ThreadedConsumer.laneShards(meters: 4, readsPacketBytes: true) == 5)
        // Core columns and statistics only: reading is most of the work, the lane takes a tenth.
        #expect(ThreadedConsumer.laneShards(meters: 2, readsPacketBytes: false) == 6)
        #expect(ThreadedConsumer.laneShards(meters: 4, readsPacketBytes: false) == 2)
        // Many threads: the reader has no time left to meter.
        #expect(ThreadedConsumer.laneShards(meters: 64, readsPacketBytes: true) == 0)
    }

    @Test func everyShardHasOneOwnerAndTheThreadsShareTheRestEvenly() {
        let owners = ThreadedConsumer.shardOwners(meters: 3, laneShards: 5)
        #expect(owners.count == 64)
        #expect(owners.filter { $0 == 0 }.count == 5)
        #expect(owners.filter { $0 == 1 }.count == 30)
        #expect(owners.filter { $0 == 2 }.count == 29)
        // The lane's shards are spread over the table, not its first five.
        #expect(owners.indices.filter { owners[$0] == 0 } == [0, 12, 25, 38, 51])
    }

    @Test func withoutALaneTheShardsGoRoundRobin() {
        #expect(ThreadedConsumer.shardOwners(meters: 4, laneShards: 0) == (0..<64).map { $0 % 4 })
    }

    @Test func poolsShrinkAsMeterThreadsAreAddedButKeepEightEach() {
        #expect(ThreadedConsumer.poolSize(meterThreads: 1) == 24)
        #expect(ThreadedConsumer.poolSize(meterThreads: 2) == 12)
        #expect(ThreadedConsumer.poolSize(meterThreads: 3) == 8)
        #expect(ThreadedConsumer.poolSize(meterThreads: 16) == 8)
    }
}

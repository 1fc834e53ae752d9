import FlowPacket

/// Open-addressed flow table: a linear-probing index over a slot array reused through a free list. Flows are
/// divided into `shardCount` shards by hash; each shard keeps a doubly linked list of its flows in order of last
/// activity (oldest first), so idle expiry costs O(expired) and a bounded table evicts per shard. The shards make
/// every decision independent of how shards are spread over meter threads. Plugin states live beside it, indexed
/// by slot. Storage is raw memory owned by the table (no copy-on-write on the packet
/// path), so the type is noncopyable: a copy would share that memory.
public struct FlowTable: ~Copyable {
    @usableFromInline let storage: FlowTableStorage
    @usableFromInline var index: UnsafeMutablePointer<UInt64>  // tag (hash high 32 bits) | slot + 1; 0 = empty
    @usableFromInline var indexCapacity: Int
    @usableFromInline var mask: Int
    /// log2 of the index size: buckets come from the top bits of the hash.
    @usableFromInline var bits: Int
    @usableFromInline var flows: UnsafeMutablePointer<Flow>
    @usableFromInline var flowCapacity: Int
    @usableFromInline var usedSlots = 0
    @usableFromInline var freeSlots: [Int32] = []
    @usableFromInline let shardOldest: UnsafeMutablePointer<Int32>
    @usableFromInline let shardNewest: UnsafeMutablePointer<Int32>
    @usableFromInline let shardCounts: UnsafeMutablePointer<Int>
    /// Number of shards: fixed, so that output never depends on the number of threads.
    public static let shardCount = 64
    /// Number of flows in the table.
    public var count = 0

    /// An empty table with room for `initialCapacity` flows (index at least twice that, a power of two); it grows.
    public init(initialCapacity: Int = 1024) {
        var capacity = 16
        var bits = 4
        while capacity < initialCapacity * 2 {
            capacity <<= 1
            bits += 1
        }
        let flowCapacity = max(16, initialCapacity)
        storage = FlowTableStorage(indexCapacity: capacity, flowCapacity: flowCapacity)
        index = storage.index
        indexCapacity = capacity
        mask = capacity - 1
        self.bits = bits
        flows = storage.flows
        shardOldest = storage.shardOldest
        shardNewest = storage.shardNewest
        shardCounts = storage.shardCounts
        self.flowCapacity = flowCapacity
    }

    @inlinable
    static func tag(_ hash: UInt64) -> UInt64 { hash & 0xFFFF_FFFF_0000_0000 }

    @inlinable
    func bucket(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> UInt64(64 - bits)) }

    /// The shard of a key hash (its low bits; buckets use the high bits).
    @inlinable
    public static func shard(of hash: UInt64) -> Int { Int(truncatingIfNeeded: hash & UInt64(shardCount - 1)) }

    /// Flows currently in `shard`.
    @inlinable
    public func count(inShard shard: Int) -> Int { shardCounts[shard] }

    /// The slot holding `key`, if any.
    @inlinable
    public func find(_ key: FlowKey, hash: UInt64) -> Int32? {
        let tag = Self.tag(hash)
        var i = bucket(hash)
        while true {
            let entry = index[i]
            if entry == 0 { return nil }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let slot = Int32(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if flows[Int(slot)].key == key { return slot }
            }
            i = (i + 1) & mask
        }
    }

    /// The flow in `slot` (read and modified in place).
    @inlinable
    public subscript(slot: Int32) -> Flow {
        get { flows[Int(slot)] }
        nonmutating _modify { yield &flows[Int(slot)] }
    }

    /// Inserts a new flow (the key must not be present) as the most recent; returns its slot.
    @inlinable
    public mutating func insert(_ flow: Flow, hash: UInt64) -> Int32 {
        if (count + 1) * 2 > indexCapacity { growIndex() }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            if usedSlots == flowCapacity { growFlows() }
            slot = Int32(usedSlots)
            usedSlots += 1
        }
        (flows + Int(slot)).initialize(to: flow)
        flows[Int(slot)].shard = UInt8(truncatingIfNeeded: Self.shard(of: hash))
        var i = bucket(hash)
        while index[i] != 0 { i = (i + 1) & mask }
        index[i] = Self.tag(hash) | UInt64(UInt32(slot + 1))
        count += 1
        shardCounts[Int(flows[Int(slot)].shard)] += 1
        linkNewest(slot)
        return slot
    }

    /// Removes the flow in `slot` from the index and the activity list; its slot is reused later.
    @inlinable
    public mutating func remove(slot: Int32, hash: UInt64) {
        let entryToRemove = Self.tag(hash) | UInt64(UInt32(slot + 1))
        var i = bucket(hash)
        while index[i] != entryToRemove { i = (i + 1) & mask }
        // Backward-shift deletion keeps probe sequences intact without tombstones.
        var hole = i
        var j = (i + 1) & mask
        while index[j] != 0 {
            let home = Int(truncatingIfNeeded: index[j] >> UInt64(64 - bits))
            if (j - home) & mask >= (j - hole) & mask {
                index[hole] = index[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        index[hole] = 0
        unlink(slot)
        count -= 1
        shardCounts[Int(flows[Int(slot)].shard)] -= 1
        freeSlots.append(slot)
    }

    /// Marks the flow in `slot` as the most recently active of its shard.
    @inlinable
    public mutating func touch(_ slot: Int32) {
        if shardNewest[Int(flows[Int(slot)].shard)] == slot { return }
        unlink(slot)
        linkNewest(slot)
    }

    /// The least recently active flow of `shard`, or nil when the shard is empty.
    @inlinable
    public func oldestSlot(inShard shard: Int) -> Int32? {
        let s = shardOldest[shard]
        return s >= 0 ? s : nil
    }

    /// Every slot in use (in no particular order).
    public func allSlots() -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(count)
        for shard in 0..<Self.shardCount {
            var s = shardOldest[shard]
            while s >= 0 {
                result.append(s)
                s = flows[Int(s)].newerSlot
            }
        }
        return result
    }

    @inlinable
    mutating func linkNewest(_ slot: Int32) {
        let shard = Int(flows[Int(slot)].shard)
        let newest = shardNewest[shard]
        flows[Int(slot)].olderSlot = newest
        flows[Int(slot)].newerSlot = -1
        if newest >= 0 { flows[Int(newest)].newerSlot = slot } else { shardOldest[shard] = slot }
        shardNewest[shard] = slot
    }

    @inlinable
    mutating func unlink(_ slot: Int32) {
        let shard = Int(flows[Int(slot)].shard)
        let older = flows[Int(slot)].olderSlot
        let newer = flows[Int(slot)].newerSlot
        if older >= 0 { flows[Int(older)].newerSlot = newer } else { shardOldest[shard] = newer }
        if newer >= 0 { flows[Int(newer)].olderSlot = older } else { shardNewest[shard] = older }
    }

    @usableFromInline
    mutating func growIndex() {
        let capacity = indexCapacity * 2
        let newBits = bits + 1
        let newIndex = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        newIndex.initialize(repeating: 0, count: capacity)
        let newMask = capacity - 1
        for k in 0..<indexCapacity {
            let entry = index[k]
            if entry == 0 { continue }
            var i = Int(truncatingIfNeeded: entry >> UInt64(64 - newBits))
            while newIndex[i] != 0 { i = (i + 1) & newMask }
            newIndex[i] = entry
        }
        index.deallocate()
        index = newIndex
        storage.index = newIndex
        indexCapacity = capacity
        mask = newMask
        bits = newBits
    }

    @usableFromInline
    mutating func growFlows() {
        let capacity = flowCapacity * 2
        let newFlows = UnsafeMutablePointer<Flow>.allocate(capacity: capacity)
        newFlows.moveInitialize(from: flows, count: usedSlots)
        flows.deallocate()
        flows = newFlows
        storage.flows = newFlows
        flowCapacity = capacity
    }

    /// Slots that can be in use (every slot index is below this), for sizing per-slot storage.
    @inlinable
    public var slotCapacity: Int { flowCapacity }
}

import FlowPacket

/// Owns the raw storage of a `FlowTable` and frees it when the table goes away.
@usableFromInline
final class FlowTableStorage {
    @usableFromInline var index: UnsafeMutablePointer<UInt64>
    @usableFromInline var flows: UnsafeMutablePointer<Flow>
    @usableFromInline var spltDirection: UnsafeMutablePointer<Int8>
    @usableFromInline var spltSize: UnsafeMutablePointer<Int32>
    @usableFromInline var spltPiat: UnsafeMutablePointer<Int64>
    /// Per shard: oldest and newest slot of its activity list (-1 when empty), and its flow count.
    @usableFromInline let shardOldest: UnsafeMutablePointer<Int32>
    @usableFromInline let shardNewest: UnsafeMutablePointer<Int32>
    @usableFromInline let shardCounts: UnsafeMutablePointer<Int>

    init(indexCapacity: Int, flowCapacity: Int, spltLength: Int) {
        shardOldest = .allocate(capacity: FlowTable.shardCount)
        shardOldest.initialize(repeating: -1, count: FlowTable.shardCount)
        shardNewest = .allocate(capacity: FlowTable.shardCount)
        shardNewest.initialize(repeating: -1, count: FlowTable.shardCount)
        shardCounts = .allocate(capacity: FlowTable.shardCount)
        shardCounts.initialize(repeating: 0, count: FlowTable.shardCount)
        index = .allocate(capacity: indexCapacity)
        index.initialize(repeating: 0, count: indexCapacity)
        flows = .allocate(capacity: flowCapacity)
        let spltCount = max(1, flowCapacity * spltLength)
        spltDirection = .allocate(capacity: spltCount)
        spltSize = .allocate(capacity: spltCount)
        spltPiat = .allocate(capacity: spltCount)
    }

    deinit {
        // Flow holds only trivial values: no deinitialisation needed.
        index.deallocate()
        flows.deallocate()
        spltDirection.deallocate()
        spltSize.deallocate()
        spltPiat.deallocate()
        shardOldest.deallocate()
        shardNewest.deallocate()
        shardCounts.deallocate()
    }
}

/// Open-addressed flow table: a linear-probing index over a slot array reused through a free list. Flows are
/// divided into `shardCount` shards by hash; each shard keeps a doubly linked list of its flows in order of last
/// activity (oldest first), so idle expiry costs O(expired) and a bounded table evicts per shard. The shards make
/// every decision independent of how shards are spread over meter threads. SPLT sequences live in flat arrays
/// indexed by slot. Storage is raw memory owned by the table (no copy-on-write on the packet
/// path); a `FlowTable` value must not be copied and used twice.
public struct FlowTable {
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
    @usableFromInline var spltDirection: UnsafeMutablePointer<Int8>
    @usableFromInline var spltSize: UnsafeMutablePointer<Int32>
    @usableFromInline var spltPiat: UnsafeMutablePointer<Int64>
    @usableFromInline let shardOldest: UnsafeMutablePointer<Int32>
    @usableFromInline let shardNewest: UnsafeMutablePointer<Int32>
    @usableFromInline let shardCounts: UnsafeMutablePointer<Int>
    /// Number of shards: fixed, so that output never depends on the number of threads.
    public static let shardCount = 64
    /// Number of flows in the table.
    public var count = 0
    /// SPLT length (0 = off).
    public let spltLength: Int

    public init(initialCapacity: Int = 1024, spltLength: Int = 0) {
        var capacity = 16
        var bits = 4
        while capacity < initialCapacity * 2 {
            capacity <<= 1
            bits += 1
        }
        let flowCapacity = max(16, initialCapacity)
        storage = FlowTableStorage(indexCapacity: capacity, flowCapacity: flowCapacity, spltLength: spltLength)
        index = storage.index
        indexCapacity = capacity
        mask = capacity - 1
        self.bits = bits
        flows = storage.flows
        shardOldest = storage.shardOldest
        shardNewest = storage.shardNewest
        shardCounts = storage.shardCounts
        spltDirection = storage.spltDirection
        spltSize = storage.spltSize
        spltPiat = storage.spltPiat
        self.flowCapacity = flowCapacity
        self.spltLength = spltLength
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
        if spltLength > 0 {
            let base = Int(slot) * spltLength
            (spltDirection + base).update(repeating: -1, count: spltLength)
            (spltSize + base).update(repeating: -1, count: spltLength)
            (spltPiat + base).update(repeating: -1, count: spltLength)
        }
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
        if spltLength > 0 {
            let old = flowCapacity * spltLength
            let new = capacity * spltLength
            let d = UnsafeMutablePointer<Int8>.allocate(capacity: new)
            d.moveInitialize(from: storage.spltDirection, count: old)
            storage.spltDirection.deallocate()
            storage.spltDirection = d
            let s = UnsafeMutablePointer<Int32>.allocate(capacity: new)
            s.moveInitialize(from: storage.spltSize, count: old)
            storage.spltSize.deallocate()
            storage.spltSize = s
            let p = UnsafeMutablePointer<Int64>.allocate(capacity: new)
            p.moveInitialize(from: storage.spltPiat, count: old)
            storage.spltPiat.deallocate()
            storage.spltPiat = p
            spltDirection = d
            spltSize = s
            spltPiat = p
        }
        flowCapacity = capacity
    }

    /// Records SPLT entry `position` (0-based packet number in the flow) of the flow in `slot`.
    @inlinable
    func recordSPLT(slot: Int32, position: UInt64, direction: UInt8, size: UInt16, piat: UInt64) {
        guard position < UInt64(spltLength) else { return }
        let k = Int(slot) * spltLength + Int(position)
        spltDirection[k] = Int8(direction)
        spltSize[k] = Int32(size)
        spltPiat[k] = Int64(bitPattern: piat)
    }

    /// The SPLT sequences of the flow in `slot`, valid until the table next changes.
    @inlinable
    public func splt(slot: Int32) -> SPLTView {
        let base = Int(slot) * spltLength
        return SPLTView(
            directions: UnsafeBufferPointer(start: spltDirection + base, count: spltLength),
            sizes: UnsafeBufferPointer(start: spltSize + base, count: spltLength),
            piats: UnsafeBufferPointer(start: spltPiat + base, count: spltLength))
    }
}

/// The first N packets of a flow: direction (0/1), size under the accounting mode and inter-arrival time in ms
/// (0 for the first packet), padded with -1. Borrowed from the table: valid only while the flow is being exported.
public struct SPLTView {
    public var directions: UnsafeBufferPointer<Int8>
    public var sizes: UnsafeBufferPointer<Int32>
    public var piats: UnsafeBufferPointer<Int64>
    @inlinable
    public init(directions: UnsafeBufferPointer<Int8>, sizes: UnsafeBufferPointer<Int32>, piats: UnsafeBufferPointer<Int64>)
    {
        self.directions = directions
        self.sizes = sizes
        self.piats = piats
    }
    public static var empty: SPLTView {
        SPLTView(
            directions: UnsafeBufferPointer(start: nil, count: 0), sizes: UnsafeBufferPointer(start: nil, count: 0),
            piats: UnsafeBufferPointer(start: nil, count: 0))
    }
}

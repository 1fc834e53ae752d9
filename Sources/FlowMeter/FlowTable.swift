import FlowPacket

/// Open-addressed flow table: a linear-probing index of slot numbers over a slot array that is reused
/// through a free list, plus a doubly linked list of slots in order of last activity (oldest first), so
/// idle expiry costs O(expired). Optional SPLT sequences live in flat arrays indexed by slot.
public struct FlowTable {
    /// Each entry: high 32 bits of the key's hash, low 32 bits slot + 1; 0 = empty.
    @usableFromInline var index: [UInt64]
    @usableFromInline var mask: Int
    /// log2 of the index size: buckets come from the top bits of the hash.
    @usableFromInline var bits: Int
    @usableFromInline var slots: [Flow] = []
    @usableFromInline var freeSlots: [Int32] = []
    @usableFromInline var oldest: Int32 = -1
    @usableFromInline var newest: Int32 = -1
    /// Number of flows in the table.
    public var count = 0
    /// SPLT length (0 = off) and storage.
    public let spltLength: Int
    @usableFromInline var spltDirection: [Int8] = []
    @usableFromInline var spltSize: [Int32] = []
    @usableFromInline var spltPiat: [Int64] = []

    public init(initialCapacity: Int = 1024, spltLength: Int = 0) {
        var capacity = 16
        var bits = 4
        while capacity < initialCapacity * 2 {
            capacity <<= 1
            bits += 1
        }
        index = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        self.bits = bits
        self.spltLength = spltLength
        slots.reserveCapacity(initialCapacity)
    }

    @inlinable
    static func tag(_ hash: UInt64) -> UInt64 { hash & 0xFFFF_FFFF_0000_0000 }

    @inlinable
    func bucket(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> UInt64(64 - bits)) }

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
                if slots[Int(slot)].key == key { return slot }
            }
            i = (i + 1) & mask
        }
    }

    @inlinable
    public subscript(slot: Int32) -> Flow {
        get { slots[Int(slot)] }
        _modify { yield &slots[Int(slot)] }
    }

    /// Inserts a new flow (the key must not be present) as the most recent; returns its slot.
    @inlinable
    public mutating func insert(_ flow: Flow, hash: UInt64) -> Int32 {
        if (count + 1) * 2 > index.count { grow() }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = flow
        } else {
            slot = Int32(slots.count)
            slots.append(flow)
            if spltLength > 0 {
                spltDirection.append(contentsOf: repeatElement(-1, count: spltLength))
                spltSize.append(contentsOf: repeatElement(-1, count: spltLength))
                spltPiat.append(contentsOf: repeatElement(-1, count: spltLength))
            }
        }
        var i = bucket(hash)
        while index[i] != 0 { i = (i + 1) & mask }
        index[i] = Self.tag(hash) | UInt64(UInt32(slot + 1))
        count += 1
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
            let distanceFromHome = (j - home) & mask
            let distanceToHole = (j - hole) & mask
            if distanceFromHome >= distanceToHole {
                index[hole] = index[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        index[hole] = 0
        unlink(slot)
        count -= 1
        freeSlots.append(slot)
        if spltLength > 0 {
            let base = Int(slot) * spltLength
            for k in base..<(base + spltLength) {
                spltDirection[k] = -1
                spltSize[k] = -1
                spltPiat[k] = -1
            }
        }
    }

    /// Marks the flow in `slot` as the most recently active.
    @inlinable
    public mutating func touch(_ slot: Int32) {
        if newest == slot { return }
        unlink(slot)
        linkNewest(slot)
    }

    /// The least recently active flow's slot, or nil when empty.
    @inlinable
    public var oldestSlot: Int32? { oldest >= 0 ? oldest : nil }

    @inlinable
    mutating func linkNewest(_ slot: Int32) {
        slots[Int(slot)].olderSlot = newest
        slots[Int(slot)].newerSlot = -1
        if newest >= 0 { slots[Int(newest)].newerSlot = slot } else { oldest = slot }
        newest = slot
    }

    @inlinable
    mutating func unlink(_ slot: Int32) {
        let older = slots[Int(slot)].olderSlot
        let newer = slots[Int(slot)].newerSlot
        if older >= 0 { slots[Int(older)].newerSlot = newer } else { oldest = newer }
        if newer >= 0 { slots[Int(newer)].olderSlot = older } else { newest = older }
    }

    @usableFromInline
    mutating func grow() {
        let capacity = index.count * 2
        let newBits = bits + 1
        var newIndex = [UInt64](repeating: 0, count: capacity)
        let newMask = capacity - 1
        for entry in index where entry != 0 {
            var i = Int(truncatingIfNeeded: entry >> UInt64(64 - newBits))
            while newIndex[i] != 0 { i = (i + 1) & newMask }
            newIndex[i] = entry
        }
        index = newIndex
        mask = newMask
        bits = newBits
    }

    /// Records SPLT entry `position` (0-based packet number in the flow) of the flow in `slot`.
    @inlinable
    mutating func recordSPLT(slot: Int32, position: UInt64, direction: UInt8, size: UInt16, piat: UInt64) {
        guard position < UInt64(spltLength) else { return }
        let k = Int(slot) * spltLength + Int(position)
        spltDirection[k] = Int8(direction)
        spltSize[k] = Int32(size)
        spltPiat[k] = Int64(bitPattern: piat)
    }

    /// The SPLT sequences of the flow in `slot` (slices of the table's storage: no copy).
    @inlinable
    public func splt(slot: Int32) -> SPLTView {
        let base = Int(slot) * spltLength
        return SPLTView(
            directions: spltDirection[base..<base + spltLength],
            sizes: spltSize[base..<base + spltLength],
            piats: spltPiat[base..<base + spltLength])
    }
}

/// The first N packets of a flow: direction (0/1), size under the accounting mode and inter-arrival time in ms
/// (0 for the first packet), padded with -1.
public struct SPLTView: Sendable {
    public var directions: ArraySlice<Int8>
    public var sizes: ArraySlice<Int32>
    public var piats: ArraySlice<Int64>
    @inlinable
    public init(directions: ArraySlice<Int8>, sizes: ArraySlice<Int32>, piats: ArraySlice<Int64>) {
        self.directions = directions
        self.sizes = sizes
        self.piats = piats
    }
    public static let empty = SPLTView(directions: [], sizes: [], piats: [])
}

/// The distinct values of a text column chunk, in first-seen order, for dictionary encoding: an open-addressing
/// hash table of indices over one byte arena (no object per value).
struct ByteArrayDictionary {
    /// Values back to back.
    private(set) var arena: [UInt8] = []
    /// Start of value `i` in `arena` is `starts[i]`, its end `starts[i + 1]`.
    private(set) var starts: [Int] = [0]
    /// Slot → entry index + 1 (0: empty). The size is a power of two, at most half full.
    private var slots: [Int32] = Array(repeating: 0, count: 1024)
    private var hashes: [UInt64] = []

    var count: Int { starts.count - 1 }
    /// Bytes of the dictionary page's PLAIN encoding (a 4-byte length before each value).
    var plainSize: Int { arena.count + 4 * count }

    /// Calls `body` with value `index`'s bytes.
    func withValue<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        arena.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[starts[index]..<starts[index + 1]])) }
    }

    /// FNV-1a, 64-bit.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// The index of `bytes`, and whether it was added; nil when adding it would make the PLAIN dictionary larger
    /// than `limit` bytes (the value is then not added).
    mutating func index(of bytes: UnsafeRawBufferPointer, limit: Int) -> (index: Int, added: Bool)? {
        let h = Self.hash(bytes)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { break }
            let i = entry - 1
            if hashes[i] == h && starts[i + 1] - starts[i] == bytes.count {
                let equal = arena.withUnsafeBytes { a in
                    bytes.count == 0 || memcmp(a.baseAddress! + starts[i], bytes.baseAddress!, bytes.count) == 0
                }
                if equal { return (i, false) }
            }
            slot = (slot + 1) & mask
        }
        if plainSize + 4 + bytes.count > limit { return nil }
        let i = count
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        hashes.append(h)
        slots[slot] = Int32(i + 1)
        if count * 2 > slots.count { rehash() }
        return (i, true)
    }

    private mutating func rehash() {
        var grown = [Int32](repeating: 0, count: slots.count * 2)
        let mask = grown.count - 1
        for i in 0..<count {
            var slot = Int(truncatingIfNeeded: hashes[i]) & mask
            while grown[slot] != 0 { slot = (slot + 1) & mask }
            grown[slot] = Int32(i + 1)
        }
        slots = grown
    }

    /// Forgets every value (a new column chunk), keeping the memory.
    mutating func removeAll() {
        arena.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        starts.append(0)
        hashes.removeAll(keepingCapacity: true)
        if slots.count > 1024 {
            slots = Array(repeating: 0, count: 1024)
        } else {
            for k in slots.indices { slots[k] = 0 }
        }
    }

    /// The PLAIN encoding of every value, in index order (the dictionary page's body).
    func appendPlain(into output: inout [UInt8]) {
        output.reserveCapacity(output.count + plainSize)
        arena.withUnsafeBytes { a in
            for i in 0..<count {
                appendLength(starts[i + 1] - starts[i], into: &output)
                output.append(contentsOf: a[starts[i]..<starts[i + 1]])
            }
        }
    }
}

/// A 4-byte little-endian length (PLAIN BYTE_ARRAY's prefix).
@inline(__always)
func appendLength(_ n: Int, into output: inout [UInt8]) {
    let v = UInt32(truncatingIfNeeded: n)
    output.append(UInt8(truncatingIfNeeded: v))
    output.append(UInt8(truncatingIfNeeded: v >> 8))
    output.append(UInt8(truncatingIfNeeded: v >> 16))
    output.append(UInt8(truncatingIfNeeded: v >> 24))
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibc
import FlowWriters

/// UDP messages waiting to leave together (one `sendmmsg`): their bytes end to end and where each ends.
struct DatagramBatch {
    /// Datagrams per system call: 32 messages of 1,400 bytes are 45 KB, under a loopback or LAN socket's default
    /// send buffer, and few enough that a collector's receive buffer absorbs a whole batch.
    static let capacity = 32
    var bytes: [UInt8] = []
    var ends: [Int] = []
    var isFull: Bool { ends.count == Self.capacity }

    mutating func append(_ datagram: [UInt8]) {
        bytes.append(contentsOf: datagram)
        ends.append(bytes.count)
    }

    /// Datagrams and bytes in one segmented send (the kernel's limits: 64 segments, an IP packet's 64 KiB).
    static let segmentsPerSend = 64
    static let bytesPerSend = 65_000

    /// The end (exclusive) of the run of datagrams that starts at `i` and can leave as one segmented send: datagrams
    /// of datagram `i`'s size, the last possibly shorter, within the kernel's limits.
    func runEnd(from i: Int) -> Int {
        let start = i == 0 ? 0 : ends[i - 1]
        let size = ends[i] - start
        var j = i + 1
        while j < ends.count && j - i < Self.segmentsPerSend && ends[j] - start <= Self.bytesPerSend {
            let next = ends[j] - ends[j - 1]
            if next > size { break }
            j += 1
            if next < size { break }
        }
        return j
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}

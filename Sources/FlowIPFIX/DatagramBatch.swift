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

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}

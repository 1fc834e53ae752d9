#if canImport(Glibc)
import Glibc
#endif
@testable import FlowIPFIX
import Testing

/// UDP batches leave as the same datagrams, in order, whether the kernel segments runs of equal datagrams or not.
@Suite struct DatagramSendTests {
    /// A UDP socket on an ephemeral loopback port, with room for a whole batch.
    final class Receiver {
        let fd: Int32
        let port: UInt16

        init() {
            let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var size: Int32 = 4 << 20
            setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    _ = bind(s, $0, length)
                    _ = getsockname(s, $0, &length)
                }
            }
            fd = s
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(fd) }

        /// Every datagram waiting (the loopback delivers during the send, so all are there).
        func datagrams() -> [[UInt8]] {
            var received: [[UInt8]] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n < 0 { return received }
                received.append(Array(buffer[0..<n]))
            }
        }
    }

    /// Datagram `k` of a test: its size, and bytes that say which datagram it is.
    static func datagram(_ k: Int, size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: k &* 31 &+ $0) }
    }

    static func sendAndReceive(sizes: [Int]) throws -> (sent: [[UInt8]], received: [[UInt8]], segmentedSends: Int) {
        let receiver = Receiver()
        let socket = try CollectorSocket(
            host: "127.0.0.1", port: receiver.port, tcp: false, destination: "udp://127.0.0.1:\(receiver.port)")
        var batch = DatagramBatch()
        let sent = sizes.enumerated().map { datagram($0.offset, size: $0.element) }
        for d in sent { batch.append(d) }
        try socket.transmitDatagrams(batch)
        #expect(socket.segmentationWorks, "this kernel (Linux 4.18 or later) takes UDP_SEGMENT")
        return (sent, receiver.datagrams(), socket.segmentedSends)
    }

    @Test func runsOfEqualDatagramsArriveAsTheSameDatagramsInOrder() throws {
        // Runs of equal sizes, each ended by a shorter one or by a larger one (which starts a new run), and singles.
        let sizes = [1400, 1400, 1400, 900, 1400, 1400, 1500, 1500, 200, 7, 7, 7, 1400, 1, 1400, 1400]
        let (sent, received, segmentedSends) = try Self.sendAndReceive(sizes: sizes)
        #expect(received.map(\.count) == sizes)
        #expect(received == sent)
        // [1400 ×3, 900] [1400 ×2] [1500 ×2, 200] [7 ×3] [1400, 1] [1400 ×2]: six sends, each of several datagrams.
        #expect(segmentedSends == 6)
    }

    @Test func aFullBatchOfJumboDatagramsIsCutAtTheKernelsSizeLimit() throws {
        // 32 × 8,960 bytes is 286,720 bytes: more than one segmented send may carry.
        let sizes = [Int](repeating: 8960, count: DatagramBatch.capacity)
        let (sent, received, segmentedSends) = try Self.sendAndReceive(sizes: sizes)
        #expect(received.count == DatagramBatch.capacity)
        #expect(received == sent)
        // At most 65,000 bytes a send: 7 datagrams of 8,960, so 32 need five sends (7+7+7+7+4).
        #expect(segmentedSends == 5)
    }
}

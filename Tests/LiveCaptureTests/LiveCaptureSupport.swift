// Linux only, like the namespaces and veth pairs they use.
#if os(Linux)

import FlowCapture
import FlowPacket
import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Live capture tests need root (capture, namespaces); they skip with these messages otherwise.
enum LiveCaptureRequirements {
    static var isRoot: Bool { geteuid() == 0 }
    static let notRoot: Comment = "live capture needs root (or CAP_NET_RAW): run the tests as root"
}

/// One packet read from a live capture, decoded.
struct CapturedFrame {
    var outcome: DecodeOutcome
    var packet: DecodedPacket
    var wireLength: UInt32
    var capturedLength: UInt32
}

extension LiveCapture {
    /// Reads and decodes packets until `silenceMilliseconds` pass without one (or `limitSeconds` in all, so that
    /// a link that never falls silent cannot hold the test); fails the test on a read error.
    func collect(silenceMilliseconds: Int = 1000, limitSeconds: Double = 10) -> [CapturedFrame] {
        let decoder = PacketDecoder(linkType: linkType)
        var frames: [CapturedFrame] = []
        let limit = Date().addingTimeInterval(limitSeconds)
        while Date() < limit {
            switch next(timeoutMilliseconds: silenceMilliseconds) {
            case .packet(let p):
                var packet = DecodedPacket()
                let outcome = decoder.decode(p.bytes, wireLength: p.wireLength, into: &packet)
                packet.time = TimeUnit.milliseconds.time(seconds: p.seconds, nanoseconds: p.nanoseconds)
                frames.append(
                    CapturedFrame(
                        outcome: outcome, packet: packet, wireLength: p.wireLength, capturedLength: p.capturedLength))
            case .timeout, .endOfFile:
                return frames
            case .failed(let message):
                Issue.record("live read failed: \(message)")
                return frames
            }
        }
        Issue.record("the link did not fall silent within \(limitSeconds) s")
        return frames
    }
}

/// Every packet of a capture file, decoded (for the tcpdump reference capture).
func decodeCaptureFile(_ path: String) throws -> [CapturedFrame] {
    let handle = try PcapHandle.openOffline(path: path)
    let decoder = PacketDecoder(linkType: handle.linkType)
    var frames: [CapturedFrame] = []
    while case .packet(let p) = handle.next() {
        var packet = DecodedPacket()
        let outcome = decoder.decode(p.bytes, wireLength: p.wireLength, into: &packet)
        frames.append(
            CapturedFrame(outcome: outcome, packet: packet, wireLength: p.wireLength, capturedLength: p.capturedLength))
    }
    return frames
}

/// Monotonic seconds, for measuring how long a call took.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

#endif

import FlowPacket
import Foundation

/// Writes a classic pcap file (little-endian, magic 0xa1b2c3d4 for microsecond or 0xa1b23c4d for nanosecond
/// timestamps) in memory; `write(to:)` stores it. Records may carry any timestamp (negative microseconds
/// included, stored as their 32-bit pattern) and a captured length shorter than the wire length.
public struct PcapFileWriter {
    /// The file's bytes so far (global header, then records).
    public private(set) var bytes: [UInt8]
    /// Offset in `bytes` of each record's 16-byte header.
    public private(set) var recordOffsets: [Int] = []
    /// The snapshot length written in the header; longer frames are cut to it by `append`.
    public let snaplen: UInt32
    /// The data-link type written in the header.
    public let linkType: UInt32

    /// A writer for `linkType` frames; `nanosecond` writes the nanosecond magic (record fraction in ns).
    public init(linkType: LinkType = .ethernet, snaplen: UInt32 = 262_144, nanosecond: Bool = false) {
        self.init(rawLinkType: UInt32(bitPattern: linkType.rawValue), snaplen: snaplen, nanosecond: nanosecond)
    }

    /// A writer with any link-type number (also unsupported ones, for bad-input tests).
    public init(rawLinkType: UInt32, snaplen: UInt32 = 262_144, nanosecond: Bool = false) {
        self.snaplen = snaplen
        self.linkType = rawLinkType
        bytes = []
        bytes.appendLE(nanosecond ? UInt32(0xA1B2_3C4D) : UInt32(0xA1B2_C3D4))
        bytes.appendLE(UInt16(2))  // version major
        bytes.appendLE(UInt16(4))  // version minor
        bytes.appendLE(Int32(0))  // thiszone
        bytes.appendLE(UInt32(0))  // sigfigs
        bytes.appendLE(snaplen)
        bytes.appendLE(rawLinkType)
    }

    /// Appends `frame` stamped `seconds` + `microseconds` (either may be negative; each is stored as its
    /// 32-bit pattern). The captured part is the frame cut to `capturedLength` (default: the whole frame)
    /// and to the snaplen; the wire length defaults to the frame's length.
    public mutating func append(
        _ frame: [UInt8], seconds: Int, microseconds: Int, capturedLength: Int? = nil, wireLength: Int? = nil
    ) {
        let caplen = min(capturedLength ?? frame.count, frame.count, Int(snaplen))
        appendRecord(
            seconds: UInt32(truncatingIfNeeded: seconds), fraction: UInt32(truncatingIfNeeded: microseconds),
            capturedLength: UInt32(caplen), wireLength: UInt32(truncatingIfNeeded: wireLength ?? frame.count),
            data: Array(frame.prefix(caplen)))
    }

    /// Appends `frame` stamped `milliseconds` after the epoch.
    public mutating func append(_ frame: [UInt8], milliseconds: Int, capturedLength: Int? = nil, wireLength: Int? = nil)
    {
        let (s, ms) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        append(frame, seconds: s, microseconds: ms * 1000, capturedLength: capturedLength, wireLength: wireLength)
    }

    /// Appends a record exactly as given (the header fields need not agree with `data`).
    public mutating func appendRecord(
        seconds: UInt32, fraction: UInt32, capturedLength: UInt32, wireLength: UInt32, data: [UInt8]
    ) {
        recordOffsets.append(bytes.count)
        bytes.appendLE(seconds)
        bytes.appendLE(fraction)
        bytes.appendLE(capturedLength)
        bytes.appendLE(wireLength)
        bytes += data
    }

    /// The file cut `keep` bytes into the last record's data (`keep` may be negative to cut inside its
    /// 16-byte header): a file that ends mid-record.
    public func truncatedBytes(keepingInLastRecord keep: Int) -> [UInt8] {
        guard let last = recordOffsets.last else { return bytes }
        let end = max(0, min(bytes.count, last + 16 + keep))
        return Array(bytes[0..<end])
    }

    /// Writes the file to `path`.
    public func write(to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Writes the file cut mid-record (see `truncatedBytes(keepingInLastRecord:)`) to `path`.
    public func writeTruncated(to path: String, keepingInLastRecord keep: Int) throws {
        try Data(truncatedBytes(keepingInLastRecord: keep)).write(to: URL(fileURLWithPath: path))
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` in little-endian byte order.
    public mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}

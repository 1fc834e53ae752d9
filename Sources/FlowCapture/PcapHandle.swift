import CPcap
import FlowPacket

#if canImport(Glibc)
import Glibc
#endif

/// One record read from a capture: header fields and the captured bytes, borrowed until the next read.
public struct CapturedPacket {
    public var seconds: Int
    public var microseconds: Int
    public var capturedLength: UInt32
    public var wireLength: UInt32
    public var bytes: UnsafeRawBufferPointer

    @inlinable
    public init(seconds: Int, microseconds: Int, capturedLength: UInt32, wireLength: UInt32, bytes: UnsafeRawBufferPointer) {
        self.seconds = seconds
        self.microseconds = microseconds
        self.capturedLength = capturedLength
        self.wireLength = wireLength
        self.bytes = bytes
    }
}

/// The result of one read.
public enum ReadResult {
    case packet(CapturedPacket)
    case endOfFile
    case failed(String)
    /// Live capture only: the read timed out without a packet.
    case timeout
}

/// A typed wrapper over libpcap's `pcap_t` (the only type that calls libpcap for reading).
public final class PcapHandle {
    @usableFromInline let handle: OpaquePointer
    /// The file name or interface, for messages.
    public let name: String

    init(handle: OpaquePointer, name: String) {
        self.handle = handle
        self.name = name
    }

    /// Opens a pcap or pcapng file (`-` reads standard input) at microsecond precision.
    public static func openOffline(path: String) throws -> PcapHandle {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard
            let h = pcap_open_offline_with_tstamp_precision(
                path, UInt32(PCAP_TSTAMP_PRECISION_MICRO), &errbuf)
        else {
            throw PcapError.cannotOpen(path: path, message: String(cString: errbuf))
        }
        return PcapHandle(handle: h, name: path)
    }

    deinit { pcap_close(handle) }

    /// The DLT of the capture.
    public var linkType: LinkType { LinkType(rawValue: pcap_datalink(handle)) }

    /// The snapshot length of the capture.
    public var snapshotLength: Int32 { pcap_snapshot(handle) }

    /// Compiles and installs a BPF filter (optimised, netmask 255.255.255.0 as NFStream).
    public func setFilter(_ expression: String) throws {
        var program = bpf_program()
        if pcap_compile(handle, &program, expression, 1, 0xFFFF_FF00) != 0 {
            throw PcapError.badFilter(expression: expression, message: String(cString: pcap_geterr(handle)))
        }
        defer { pcap_freecode(&program) }
        if pcap_setfilter(handle, &program) != 0 {
            throw PcapError.badFilter(expression: expression, message: String(cString: pcap_geterr(handle)))
        }
    }

    /// Reads the next record.
    @inlinable
    public func next() -> ReadResult {
        var header: UnsafeMutablePointer<pcap_pkthdr>? = nil
        var data: UnsafePointer<UInt8>? = nil
        let rc = pcap_next_ex(handle, &header, &data)
        if rc == 1, let h = header, let d = data {
            let caplen = h.pointee.caplen
            return .packet(
                CapturedPacket(
                    seconds: Int(h.pointee.ts.tv_sec), microseconds: Int(h.pointee.ts.tv_usec),
                    capturedLength: caplen, wireLength: h.pointee.len,
                    bytes: UnsafeRawBufferPointer(start: d, count: Int(caplen))))
        }
        if rc == 0 { return .timeout }
        if rc == PCAP_ERROR_BREAK { return .endOfFile }
        return .failed(lastError)
    }

    /// libpcap's last error message for this handle.
    public var lastError: String { String(cString: pcap_geterr(handle)) }

    /// The current byte offset in the file, when libpcap reads a seekable file.
    public var fileOffset: Int64? {
        guard let f = pcap_file(handle) else { return nil }
        let o = ftello(f)
        return o >= 0 ? Int64(o) : nil
    }

    /// libpcap's version string.
    public static var libraryVersion: String { String(cString: pcap_lib_version()) }
}

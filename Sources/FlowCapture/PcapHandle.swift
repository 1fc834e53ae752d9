import CPcap
import FlowPacket

#if canImport(Glibc)
import Glibc
#endif

/// A typed wrapper over libpcap's `pcap_t` (the only type that calls libpcap for reading).
public final class PcapHandle {
    @usableFromInline let handle: OpaquePointer
    /// The file name or interface, for messages.
    public let name: String
    /// Live capture: the warning `pcap_activate` gave (the capture runs, but not quite as asked), if any.
    public internal(set) var activationWarning: String?

    /// The stdio buffer of a file we opened ourselves; freed after `pcap_close` has closed the stream.
    private var readBuffer: UnsafeMutableRawPointer?

    /// Nanoseconds per unit of the records' sub-second field: 1 at nanosecond precision, 1000 at microsecond.
    @usableFromInline var subsecondScale: Int

    init(handle: OpaquePointer, name: String, readBuffer: UnsafeMutableRawPointer? = nil) {
        self.handle = handle
        self.name = name
        self.readBuffer = readBuffer
        subsecondScale = 1000
        readPrecision()
    }

    /// Reads the handle's time-stamp precision (after opening a file, or after activating a live capture).
    func readPrecision() {
        subsecondScale = pcap_get_tstamp_precision(handle) == Int32(PCAP_TSTAMP_PRECISION_NANO) ? 1 : 1000
    }

    /// Bytes of the stdio buffer a capture file is read through. libpcap reads a file with one `fread` per record
    /// header and one per record, through the stream's default buffer of `st_blksize` (4 KiB): one `read` system
    /// call per 4 KiB, 82,000 of them for a 340 MB capture. 256 KiB makes that about 1,300.
    static let fileBufferBytes = 256 * 1024

    /// Opens a pcap or pcapng file (`-` reads standard input) at microsecond precision (NFStream's: libpcap
    /// truncates a nanosecond capture's times), or at nanosecond precision when `nanoseconds` is set.
    ///
    /// A file is opened here, given a `fileBufferBytes` buffer, and handed to libpcap; when it cannot be opened,
    /// libpcap opens it (and words the error, which names the file). Standard input and other inputs that are not
    /// regular files are read through `ReadInterruption`'s streams.
    public static func openOffline(path: String, nanoseconds: Bool = false) throws -> PcapHandle {
        let precision = UInt32(nanoseconds ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO)
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        // A named pipe is opened without waiting for its writer (the reads wait, and an interruption ends them).
        let descriptor = path == "-" ? dup(0) : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            // libpcap words the error (it names the file).
            guard let h = pcap_open_offline_with_tstamp_precision(path, precision, &errbuf) else {
                throw PcapError.cannotOpen(path: path, message: errorText(errbuf))
            }
            return PcapHandle(handle: h, name: path)
        }
        var status = stat()
        let regular = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        let opened: UnsafeMutablePointer<FILE>?
        if regular {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
            opened = fdopen(descriptor, "rb")
        } else {
            // Pipes, FIFOs and devices: reads that an interruption ends (ReadInterruption).
            opened = ReadInterruption.stream(readingPipe: descriptor)
        }
        guard let file = opened else {
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw PcapError.cannotOpen(path: path, message: "\(path): \(message)")
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: fileBufferBytes, alignment: 64)
        if setvbuf(file, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, fileBufferBytes) != 0 {
            // Still readable through the default buffer.
            buffer.deallocate()
            return try finishOpening(path: path, file: file, buffer: nil, precision: precision, errbuf: &errbuf)
        }
        #if os(Linux)
        // libpcap calls fread twice per record; once the process has several threads, glibc takes the
        // stream's lock for each (about a tenth of the reading thread's time). One thread reads this stream.
        _ = __fsetlocking(file, Int32(FSETLOCKING_BYCALLER))
        #endif
        return try finishOpening(path: path, file: file, buffer: buffer, precision: precision, errbuf: &errbuf)
    }

    private static func finishOpening(
        path: String, file: UnsafeMutablePointer<FILE>, buffer: UnsafeMutableRawPointer?, precision: UInt32,
        errbuf: inout [CChar]
    ) throws -> PcapHandle {
        guard let h = pcap_fopen_offline_with_tstamp_precision(file, precision, &errbuf)
        else {
            // libpcap leaves the stream open when it fails (pcap_open_offline closes it the same way).
            fclose(file)
            buffer?.deallocate()
            throw PcapError.cannotOpen(path: path, message: errorText(errbuf))
        }
        return PcapHandle(handle: h, name: path, readBuffer: buffer)
    }

    deinit {
        pcap_close(handle)
        readBuffer?.deallocate()
    }

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
                    seconds: Int(h.pointee.ts.tv_sec), nanoseconds: Int(h.pointee.ts.tv_usec) &* subsecondScale,
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

// MARK: - Live capture

extension PcapHandle {
    /// Opens `interface` for live capture with `pcap_create`, the options, immediate mode and `pcap_activate`.
    /// The handle is not yet non-blocking (see `setNonBlocking`); `LiveCapture` is the type meant for reading it.
    public static func openLive(interface: String, options: LiveCapture.Options) throws -> PcapHandle {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_create(interface, &errbuf) else {
            throw PcapError.cannotCapture(interface: interface, function: "pcap_create", message: errorText(errbuf))
        }
        let handle = PcapHandle(handle: h, name: interface)  // closes `h` if anything below throws
        func check(_ rc: Int32, _ function: String) throws {
            if rc != 0 {
                throw PcapError.cannotCapture(
                    interface: interface, function: function, message: String(cString: pcap_statustostr(rc)))
            }
        }
        try check(pcap_set_snaplen(h, options.snapshotLength), "pcap_set_snaplen")
        try check(pcap_set_promisc(h, options.promiscuous ? 1 : 0), "pcap_set_promisc")
        try check(pcap_set_immediate_mode(h, 1), "pcap_set_immediate_mode")
        try check(pcap_set_timeout(h, options.readTimeoutMilliseconds), "pcap_set_timeout")
        if options.nanoseconds {
            // Not every capture device has nanosecond time stamps: then the capture stays at microseconds.
            _ = pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_NANO))
        }
        if options.bufferSizeMiB > 0 {
            try check(pcap_set_buffer_size(h, Int32(options.bufferSizeMiB) * 1_048_576), "pcap_set_buffer_size")
        }
        let rc = pcap_activate(h)
        if rc < 0 {
            // PCAP_ERROR and a few others leave details in pcap_geterr; the specific codes may leave it empty.
            var message = String(cString: pcap_geterr(h))
            if message.isEmpty { message = String(cString: pcap_statustostr(rc)) }
            switch rc {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                let names = (try? PcapHandle.interfaces())?.map(\.name) ?? []
                throw PcapError.noSuchInterface(interface: interface, available: names)
            case PCAP_ERROR_PERM_DENIED:
                throw PcapError.permissionDenied(interface: interface, function: "pcap_activate", message: message)
            case PCAP_ERROR_PROMISC_PERM_DENIED:
                throw PcapError.promiscuousPermissionDenied(interface: interface, message: message)
            case PCAP_ERROR_IFACE_NOT_UP:
                throw PcapError.interfaceDown(interface: interface)
            default:
                throw PcapError.cannotCapture(interface: interface, function: "pcap_activate", message: message)
            }
        }
        if rc > 0 {
            let detail = String(cString: pcap_geterr(h))
            handle.activationWarning = detail.isEmpty ? String(cString: pcap_statustostr(rc)) : detail
        }
        handle.readPrecision()
        return handle
    }

    /// Puts the handle in non-blocking mode: `next()` then returns `.timeout` at once when no packet is buffered.
    public func setNonBlocking(_ nonBlocking: Bool) throws {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        if pcap_setnonblock(handle, nonBlocking ? 1 : 0, &errbuf) != 0 {
            throw PcapError.cannotCapture(interface: name, function: "pcap_setnonblock", message: errorText(errbuf))
        }
    }

    /// The descriptor to `poll` for readability (`pcap_get_selectable_fd`); -1 when there is none.
    public var selectableFileDescriptor: Int32 { pcap_get_selectable_fd(handle) }

    /// libpcap's raw counters (`pcap_stats`): 32-bit, wrapping, counted since the capture was opened;
    /// nil when libpcap cannot give them (the message is then in `lastError`).
    public func rawStatistics() -> (received: UInt32, dropped: UInt32, interfaceDropped: UInt32)? {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return (stats.ps_recv, stats.ps_drop, stats.ps_ifdrop)
    }

    /// Asks a read in progress, or the next one, to return `.endOfFile` (`pcap_breakloop`; any thread).
    public func breakLoop() { pcap_breakloop(handle) }

    /// Every interface `pcap_findalldevs` lists, in its order.
    public static func interfaces() throws -> [NetworkInterface] {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        var first: UnsafeMutablePointer<pcap_if_t>? = nil
        guard pcap_findalldevs(&first, &errbuf) == 0 else {
            throw PcapError.cannotListInterfaces(message: errorText(errbuf))
        }
        defer { if let first { pcap_freealldevs(first) } }
        var result: [NetworkInterface] = []
        var device = first
        while let d = device {
            var addresses: [NetworkInterface.Address] = []
            var entry = d.pointee.addresses
            while let a = entry {
                if let address = NetworkInterface.Address(socketAddress: a.pointee.addr, netmask: a.pointee.netmask) {
                    addresses.append(address)
                }
                entry = a.pointee.next
            }
            let flags = d.pointee.flags
            result.append(
                NetworkInterface(
                    name: String(cString: d.pointee.name),
                    description: d.pointee.description.map { String(cString: $0) },
                    addresses: addresses,
                    isUp: flags & UInt32(PCAP_IF_UP) != 0,
                    isRunning: flags & UInt32(PCAP_IF_RUNNING) != 0,
                    isLoopback: flags & UInt32(PCAP_IF_LOOPBACK) != 0,
                    isWireless: flags & UInt32(PCAP_IF_WIRELESS) != 0))
            device = d.pointee.next
        }
        return result
    }
}

/// The text of a NUL-terminated libpcap error buffer.
private func errorText(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

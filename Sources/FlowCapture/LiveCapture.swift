import FlowPacket

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A live capture on one interface: libpcap in immediate, non-blocking mode, read through `next(timeoutMilliseconds:)`,
/// which waits with its own `poll` and so always returns within the time asked (libpcap's own timeout does not
/// guarantee that a read returns when no packet arrives).
///
/// `next`, `setFilter` and `statistics` belong to one reading thread; `breakLoop` may be called from any thread
/// (and from a signal handler's thread).
public final class LiveCapture: @unchecked Sendable {
    /// How to open the interface. Defaults: snapshot 1536 bytes, promiscuous, libpcap's buffer size, no filter.
    public struct Options: Sendable, Hashable {
        /// Bytes kept of each packet (`pcap_set_snaplen`). 1536 holds a whole Ethernet frame; in immediate mode
        /// a large snapshot (262144) wastes the kernel ring and made loopback captures drop half their packets.
        public var snapshotLength: Int32
        /// Put the interface in promiscuous mode (`pcap_set_promisc`), as NFStream does by default.
        public var promiscuous: Bool
        /// Kernel capture buffer in MiB (`pcap_set_buffer_size`); 0 keeps libpcap's default (2 MiB on Linux).
        public var bufferSizeMiB: Int
        /// libpcap's own read timeout in ms (`pcap_set_timeout`); reads do not rely on it.
        public var readTimeoutMilliseconds: Int32
        /// A BPF filter installed before the first read, nil for none.
        public var filter: String?
        /// Ask for nanosecond time stamps (`--time-unit ns`); devices without them give microseconds.
        public var nanoseconds = false

        /// Options with the given values.
        public init(
            snapshotLength: Int32 = 1536, promiscuous: Bool = true, bufferSizeMiB: Int = 0,
            readTimeoutMilliseconds: Int32 = 100, filter: String? = nil
        ) {
            self.snapshotLength = snapshotLength
            self.promiscuous = promiscuous
            self.bufferSizeMiB = bufferSizeMiB
            self.readTimeoutMilliseconds = readTimeoutMilliseconds
            self.filter = filter
        }
    }

    /// The libpcap handle (link type, snapshot length, activation warning).
    public let handle: PcapHandle
    /// The interface captured on.
    public var interface: String { handle.name }
    /// The DLT of the interface (Ethernet for most; Linux cooked for `any`).
    public var linkType: LinkType { handle.linkType }
    /// The options the capture was opened with.
    public let options: Options

    private let pcapDescriptor: Int32
    /// A pipe `breakLoop` writes to (and nobody drains): wakes a waiting `next` and keeps later ones returning.
    private let wakeDescriptor: Int32
    private let wakeWriteDescriptor: Int32
    /// The two descriptors `next` polls (capture, wake), allocated once.
    private let pollDescriptors: UnsafeMutablePointer<pollfd>
    private var stopped = false
    private var lastRaw: (received: UInt32, dropped: UInt32, interfaceDropped: UInt32) = (0, 0, 0)
    private var totals = CaptureStatistics()

    /// Opens `interface` for capture (throws `PcapError` with a message a user can act on: no such interface,
    /// missing privileges, interface down, bad filter …).
    public init(interface: String, options: Options = Options()) throws {
        let handle = try PcapHandle.openLive(interface: interface, options: options)
        if let filter = options.filter { try handle.setFilter(filter) }
        try handle.setNonBlocking(true)
        let fd = handle.selectableFileDescriptor
        guard fd >= 0 else {
            throw PcapError.cannotCapture(
                interface: interface, function: "pcap_get_selectable_fd",
                message: "the capture has no descriptor to wait on")
        }
        var pipeDescriptors: [Int32] = [-1, -1]
        guard pipe(&pipeDescriptors) == 0 else {
            throw PcapError.cannotCapture(
                interface: interface, function: "pipe", message: String(cString: strerror(errno)))
        }
        for d in pipeDescriptors {
            _ = fcntl(d, F_SETFD, FD_CLOEXEC)
            _ = fcntl(d, F_SETFL, fcntl(d, F_GETFL) | O_NONBLOCK)
        }
        let wake = pipeDescriptors[0]
        self.handle = handle
        self.options = options
        self.pcapDescriptor = fd
        self.wakeDescriptor = wake
        self.wakeWriteDescriptor = pipeDescriptors[1]
        pollDescriptors = .allocate(capacity: 2)
        pollDescriptors.initialize(to: pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
        (pollDescriptors + 1).initialize(to: pollfd(fd: wake, events: Int16(POLLIN), revents: 0))
    }

    deinit {
        pollDescriptors.deallocate()
        close(wakeDescriptor)
        close(wakeWriteDescriptor)
    }

    /// Replaces the BPF filter.
    public func setFilter(_ expression: String) throws {
        try handle.setFilter(expression)
    }

    /// The next packet (its bytes borrowed until the next call); `.timeout` when none arrived within
    /// `timeoutMilliseconds` (0: only what is already buffered); `.endOfFile` once `breakLoop` was called;
    /// `.failed` with libpcap's message when the capture broke (interface gone or down).
    public func next(timeoutMilliseconds: Int) -> ReadResult {
        if stopped { return .endOfFile }
        var deadline: Int64 = -1
        var pollError: Int16 = 0
        while true {
            let result = handle.next()
            switch result {
            case .packet, .failed:
                return result
            case .endOfFile:
                // PCAP_ERROR_BREAK: breakLoop was called.
                stopped = true
                return .endOfFile
            case .timeout:
                break
            }
            if pollError != 0 { return .failed(describePollError(pollError)) }
            let now = Self.monotonicNanoseconds()
            if deadline < 0 { deadline = now + Int64(max(0, timeoutMilliseconds)) * 1_000_000 }
            let remaining = deadline - now
            if remaining <= 0 { return .timeout }
            let fds = pollDescriptors
            fds[0].revents = 0
            fds[1].revents = 0
            // Round up, so that the wait is never shorter than asked.
            let waitMilliseconds = Int32(clamping: (remaining + 999_999) / 1_000_000)
            let rc = poll(fds, 2, waitMilliseconds)
            if rc < 0 {
                if errno == EINTR { continue }
                return .failed("poll: \(String(cString: strerror(errno)))")
            }
            if fds[1].revents != 0 {
                stopped = true
                return .endOfFile
            }
            let bad = Int16(POLLERR) | Int16(POLLHUP) | Int16(POLLNVAL)
            // Let libpcap read once more (it reports most errors itself) before reporting the poll's.
            if fds[0].revents & bad != 0 { pollError = fds[0].revents }
        }
    }

    /// Stops the capture: a `next` waiting in another thread returns `.endOfFile` at once, and so does every
    /// later one. Safe from any thread.
    public func breakLoop() {
        handle.breakLoop()
        var byte: UInt8 = 1
        _ = write(wakeWriteDescriptor, &byte, 1)
    }

    /// libpcap's counters since the capture was opened (the last known ones if libpcap cannot give them now).
    public func statistics() -> CaptureStatistics {
        guard let raw = handle.rawStatistics() else { return totals }
        // libpcap's counters are 32-bit and wrap; add the differences.
        totals.received &+= UInt64(raw.received &- lastRaw.received)
        totals.droppedByKernel &+= UInt64(raw.dropped &- lastRaw.dropped)
        totals.droppedByInterface &+= UInt64(raw.interfaceDropped &- lastRaw.interfaceDropped)
        lastRaw = raw
        return totals
    }

    private func describePollError(_ revents: Int16) -> String {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(pcapDescriptor, SOL_SOCKET, SO_ERROR, &code, &length) == 0, code != 0 {
            if code == ENETDOWN { return "the interface went down" }
            if code == ENODEV || code == ENXIO { return "the interface disappeared" }
            return String(cString: strerror(code))
        }
        if revents & Int16(POLLNVAL) != 0 { return "the capture descriptor was closed" }
        if revents & Int16(POLLHUP) != 0 { return "the interface disappeared" }
        return "the capture descriptor reports an error"
    }

    private static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibc
import FlowWriters

/// Where IPFIX output goes, as `-o` names it: `ipfix+udp://HOST:PORT`, `ipfix+tcp://HOST:PORT` (IPv6 literals in
/// brackets), or a file (`FILE.ipfix`, RFC 5655).
public enum IPFIXDestination: Equatable, Sendable, CustomStringConvertible {
    case udp(host: String, port: UInt16)
    case tcp(host: String, port: UInt16)
    case file(path: String)

    /// Whether `output` names an IPFIX destination (a collector URL or a `.ipfix` file).
    public static func isIPFIX(_ output: String) -> Bool {
        let lower = output.lowercased()
        return lower.hasPrefix("ipfix+udp://") || lower.hasPrefix("ipfix+tcp://") || lower.hasPrefix("ipfix://")
            || lower.hasSuffix(".ipfix")
    }

    /// Parses `-o`; the error says what is wrong with it.
    public init(parsing output: String) throws(IPFIXError) {
        let lower = output.lowercased()
        let scheme: String
        if lower.hasPrefix("ipfix+udp://") {
            scheme = "udp"
        } else if lower.hasPrefix("ipfix+tcp://") {
            scheme = "tcp"
        } else if lower.hasPrefix("ipfix://") {
            throw .badDestination(output, "say the transport: ipfix+udp://HOST:PORT or ipfix+tcp://HOST:PORT")
        } else {
            self = .file(path: output)
            return
        }
        let rest = String(output.dropFirst("ipfix+udp://".count))
        let host: String
        let portText: String
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw .badDestination(output, "an IPv6 address goes in brackets: ipfix+\(scheme)://[::1]:4739")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else {
                throw .badDestination(output, "give a port after the address: [\(host)]:4739")
            }
            portText = String(after.dropFirst())
        } else {
            guard let colon = rest.lastIndex(of: ":"), !rest[..<colon].contains(":") else {
                throw .badDestination(
                    output, "give HOST:PORT (an IPv6 address in brackets: ipfix+\(scheme)://[::1]:4739)")
            }
            host = String(rest[..<colon])
            portText = String(rest[rest.index(after: colon)...])
        }
        guard !host.isEmpty else { throw .badDestination(output, "the host is missing") }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .badDestination(output, "the port must be a number from 1 to 65535 (got '\(portText)')")
        }
        self = scheme == "udp" ? .udp(host: host, port: UInt16(port)) : .tcp(host: host, port: UInt16(port))
    }

    /// The destination as `-o` writes it: `ipfix+udp://HOST:PORT` (an IPv6 host in brackets), or the file path.
    public var description: String {
        switch self {
        case .udp(let host, let port): return "ipfix+udp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .tcp(let host, let port): return "ipfix+tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .file(let path): return path
        }
    }
}

/// Errors of IPFIX export, each naming the destination.
public enum IPFIXError: Error, CustomStringConvertible, Sendable {
    case badDestination(String, String)
    case cannotResolve(host: String, message: String)
    case cannotConnect(destination: String, message: String)
    case sendFailed(destination: String, message: String)
    case recordTooLarge(destination: String, bytes: Int, mtu: Int)
    case templateTooLarge(destination: String, bytes: Int, mtu: Int)

    /// The message the CLI prints: what failed, where, and what to do about it.
    public var description: String {
        switch self {
        case .badDestination(let output, let why): return "-o '\(output)' is not an IPFIX destination: \(why)"
        case .cannotResolve(let host, let message):
            return "cannot resolve the collector host '\(host)': \(message) (check the name, or give an address)"
        case .cannotConnect(let destination, let message):
            return
                "cannot connect to the collector \(destination): \(message) (is it listening on that address and port?)"
        case .sendFailed(let destination, let message): return "cannot send to the collector \(destination): \(message)"
        case .recordTooLarge(let destination, let bytes, let mtu):
            return
                "a flow record needs \(bytes) bytes in an IPFIX message but --ipfix-mtu is \(mtu) for \(destination): raise --ipfix-mtu or export fewer columns"
        case .templateTooLarge(let destination, let bytes, let mtu):
            return
                "the IPFIX template of these columns needs \(bytes) bytes in a message but --ipfix-mtu is \(mtu) for \(destination): raise --ipfix-mtu or export fewer columns"
        }
    }
}

/// A socket to a collector, UDP or TCP (sockets are libc; the only file of FlowIPFIX that makes system calls).
final class CollectorSocket {
    let fd: Int32
    let destination: String
    let isTCP: Bool
    /// A non-blocking TCP connection not yet established (see ``pollConnected()``).
    private(set) var connecting = false

    /// Connects (UDP sockets too: the kernel then skips the route lookup of every datagram). With `nonBlocking`
    /// (TCP reconnection), the connection completes later: ``pollConnected()`` tells.
    init(host: String, port: UInt16, tcp: Bool, destination: String, nonBlocking: Bool = false) throws(IPFIXError) {
        self.destination = destination
        isTCP = tcp
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .cannotResolve(host: host, message: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let flags = Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
            let s = socket(info.pointee.ai_family, info.pointee.ai_socktype | flags, info.pointee.ai_protocol)
            if s < 0 {
                lastError = String(cString: strerror(errno))
                continue
            }
            if connect(s, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
                if nonBlocking && errno == EINPROGRESS {
                    connecting = true
                } else {
                    lastError = String(cString: strerror(errno))
                    close(s)
                    continue
                }
            }
            if tcp {
                var one: Int32 = 1
                setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            fd = s
            if nonBlocking && !connecting { Self.setBlocking(s) }
            return
        }
        throw .cannotConnect(destination: destination, message: lastError)
    }

    deinit {
        close(fd)
        vectors.deallocate()
        headers.deallocate()
    }

    static func setBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~Int32(O_NONBLOCK))
    }

    /// For a non-blocking connection: true once established (the socket is then blocking), false when it failed,
    /// nil while it is still under way. Never waits.
    func pollConnected() -> Bool? {
        guard connecting else { return true }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return nil }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else { return false }
        connecting = false
        Self.setBlocking(fd)
        return true
    }

    /// Whether the collector has closed a TCP connection (it never sends anything, so readable means gone).
    var peerClosed: Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)  // POLLHUP and POLLERR come unasked
        return poll(&p, 1, 0) > 0
    }

    /// Sends UDP datagrams, laid end to end in `bytes` (datagram `i` ends at `ends[i]`), with as few system calls
    /// as the kernel allows (`sendmmsg`: one call for up to ``DatagramBatch/capacity`` datagrams). As ``transmit(_:)``,
    /// a collector that is not listening goes unnoticed.
    func transmitDatagrams(_ batch: DatagramBatch) throws(IPFIXError) {
        let count = batch.ends.count
        guard count > 0 else { return }
        let failure: Int32 = batch.bytes.withUnsafeBytes { raw in
            var start = 0
            for i in 0..<count {
                vectors[i] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + start),
                    iov_len: batch.ends[i] - start)
                headers[i] = flowmeter_mmsghdr()
                headers[i].msg_hdr.msg_iov = vectors + i
                headers[i].msg_hdr.msg_iovlen = 1
                start = batch.ends[i]
            }
            var done = 0
            while done < count {
                let n = flowmeter_sendmmsg(fd, headers + done, UInt32(count - done), 0)
                if n > 0 {
                    done += Int(n)
                } else if errno == ECONNREFUSED {
                    done += 1  // an ICMP refusal of an earlier datagram, reported on this one: as with send()
                } else if errno != EINTR {
                    return errno
                }
            }
            return 0
        }
        if failure != 0 {
            throw .sendFailed(destination: destination, message: String(cString: strerror(failure)))
        }
    }

    /// One `iovec` and one `mmsghdr` per datagram of a batch, allocated once.
    private let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: DatagramBatch.capacity)
    private let headers = UnsafeMutablePointer<flowmeter_mmsghdr>.allocate(capacity: DatagramBatch.capacity)

    /// Sends one message: a datagram (UDP: a collector that is not listening goes unnoticed), or the whole stream
    /// (TCP; a connection the collector has closed is an error before anything is sent into it).
    func transmit(_ message: [UInt8]) throws(IPFIXError) {
        if !isTCP {
            let n = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            // A connected UDP socket hears of an ICMP refusal on a later send: a collector not listening yet is
            // not an error (UDP cannot know whether anything arrives).
            if n < 0 && errno != ECONNREFUSED {
                throw .sendFailed(destination: destination, message: String(cString: strerror(errno)))
            }
            return
        }
        if peerClosed { throw .sendFailed(destination: destination, message: "the collector closed the connection") }
        var sent = 0
        while sent < message.count {
            let n = message.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .sendFailed(destination: destination, message: String(cString: strerror(errno)))
            }
            sent += n
        }
    }
}

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

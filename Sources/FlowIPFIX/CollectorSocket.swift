#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibc
import FlowWriters

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
        controls.deallocate()
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
    /// and as little kernel work per datagram as the kernel allows: one `sendmmsg` call for the batch, and within it
    /// each run of datagrams of the same size (the last of a run may be shorter) as one send that the kernel cuts
    /// into datagrams (UDP segmentation offload, Linux 4.18; a kernel or path that refuses it, e.g. a datagram larger
    /// than the interface's MTU, gets plain datagrams from then on). The datagrams on the wire are the same either
    /// way. As ``transmit(_:)``, a collector that is not listening goes unnoticed.
    func transmitDatagrams(_ batch: DatagramBatch) throws(IPFIXError) {
        let count = batch.ends.count
        guard count > 0 else { return }
        let failure: Int32 = batch.bytes.withUnsafeBytes { raw in
            while true {
                let segmented = segmentationWorks
                var start = 0
                var i = 0
                var sends = 0
                while i < count {
                    let size = batch.ends[i] - start
                    let j = segmented ? batch.runEnd(from: i) : i + 1
                    vectors[sends] = iovec(
                        iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + start),
                        iov_len: batch.ends[j - 1] - start)
                    headers[sends] = flowmeter_mmsghdr()
                    headers[sends].msg_hdr.msg_iov = vectors + sends
                    headers[sends].msg_hdr.msg_iovlen = 1
                    if j - i > 1 {
                        let control = controls + sends * Self.controlSize
                        flowmeter_set_gso(&headers[sends].msg_hdr, control, UInt16(truncatingIfNeeded: size))
                    }
                    sends += 1
                    start = batch.ends[j - 1]
                    i = j
                }
                var done = 0
                var refused = -1
                while done < sends {
                    let n = flowmeter_sendmmsg(fd, headers + done, UInt32(sends - done), 0)
                    if n > 0 {
                        done += Int(n)
                    } else if errno == ECONNREFUSED {
                        // An ICMP refusal of an earlier datagram, reported (and cleared) on this send, which did not
                        // leave: tried once more, then given up as with send() (a run of datagrams is one send).
                        if refused == done { done += 1 } else { refused = done }
                    } else if segmented && done == 0 && (errno == EINVAL || errno == EIO || errno == ENOPROTOOPT) {
                        break  // no segmentation here: the batch again, datagram by datagram
                    } else if errno != EINTR {
                        return errno
                    }
                }
                if done == sends {
                    if segmented { segmentedSends += (0..<sends).count { headers[$0].msg_hdr.msg_controllen > 0 } }
                    return 0
                }
                segmentationWorks = false
            }
        }
        if failure != 0 {
            throw .sendFailed(destination: destination, message: String(cString: strerror(failure)))
        }
    }

    /// Whether the kernel took segmented sends on this socket (until one is refused).
    private(set) var segmentationWorks = true
    /// Sends that carried more than one datagram, so far.
    private(set) var segmentedSends = 0
    /// One `iovec`, one `mmsghdr` and one control message per send of a batch, allocated once.
    private let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: DatagramBatch.capacity)
    private let headers = UnsafeMutablePointer<flowmeter_mmsghdr>.allocate(capacity: DatagramBatch.capacity)
    private static let controlSize = flowmeter_gso_control_size()
    private let controls = UnsafeMutableRawPointer.allocate(
        byteCount: DatagramBatch.capacity * CollectorSocket.controlSize, alignment: 16)

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

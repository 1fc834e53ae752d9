// Linux only: network namespaces, veth pairs, posix_spawn as used here.
#if os(Linux)

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends deterministic traffic from inside a `NetworkNamespace` to its `hostAddress` (and nowhere else: the
/// destination is not a parameter), with a small python3 script run through `ip netns exec`:
/// - `sendUDP`: K datagrams of P payload bytes (byte i is `i & 0xFF`) from one socket, paced at a fixed rate;
/// - `sendTCP`: M connections one after another, each sending B bytes, half-closing, and waiting for the
///   receiver to close (a complete handshake and teardown per connection).
/// Each returns what the sender saw (its source port, datagrams actually sent, bytes written). The receiving end
/// is a `Sink` in the test's namespace, so UDP draws no ICMP port-unreachable and TCP has a listener.
public final class TrafficGenerator: Sendable {
    /// What `sendUDP` sent.
    public struct UDPReport: Decodable, Sendable {
        public var sourceAddress: String
        public var sourcePort: UInt16
        public var destinationAddress: String
        public var destinationPort: UInt16
        /// Datagrams the kernel accepted in full (`send` returned the payload size).
        public var datagrams: Int
        /// Datagrams `send` refused (ENOBUFS, ECONNREFUSED …).
        public var errors: Int
        public var payloadSize: Int
    }

    /// What `sendTCP` sent.
    public struct TCPReport: Decodable, Sendable {
        public struct Connection: Decodable, Sendable {
            public var sourceAddress: String
            public var sourcePort: UInt16
            /// Payload bytes written (and acknowledged: the receiver closed after reading them).
            public var bytes: Int
        }
        public var destinationAddress: String
        public var destinationPort: UInt16
        public var connections: [Connection]
    }

    /// The namespace the traffic leaves from.
    public let namespace: NetworkNamespace
    private let directory: TemporaryDirectory
    private let python: String

    /// A generator for `namespace` (writes its script to a temporary directory; needs python3).
    public init(namespace: NetworkNamespace) throws {
        guard
            let python = ["/usr/bin/python3"].first(where: FileManager.default.isExecutableFile(atPath:))
                ?? Subprocess.find("python3")
        else { throw NetworkNamespaceError.unsupported("python3 is not installed") }
        self.namespace = namespace
        self.python = python
        directory = try TemporaryDirectory(prefix: "flowmeter-traffic")
        try Self.script.write(toFile: directory.file("traffic.py"), atomically: true, encoding: .utf8)
    }

    /// Sends `count` UDP datagrams of `payloadSize` bytes to `namespace.hostAddress:port` at `packetsPerSecond`
    /// (0: as fast as possible), from `sourcePort` (0: one the kernel picks).
    public func sendUDP(
        toPort port: UInt16, count: Int, payloadSize: Int, packetsPerSecond: Double, sourcePort: UInt16 = 0,
        timeout: Double = 10
    ) throws -> UDPReport {
        try runScript(
            [
                "udp", namespace.hostAddress, "\(port)", "\(count)", "\(payloadSize)", "\(packetsPerSecond)",
                "\(sourcePort)",
            ],
            timeout: timeout)
    }

    /// Opens `connections` TCP connections to `namespace.hostAddress:port`, one after another, each sending
    /// `bytesPerConnection` bytes.
    public func sendTCP(toPort port: UInt16, connections: Int, bytesPerConnection: Int, timeout: Double = 10) throws
        -> TCPReport
    {
        try runScript(
            ["tcp", namespace.hostAddress, "\(port)", "\(connections)", "\(bytesPerConnection)"], timeout: timeout)
    }

    private func runScript<Report: Decodable>(_ arguments: [String], timeout: Double) throws -> Report {
        let result = try namespace.run([python, directory.file("traffic.py")] + arguments, timeout: timeout)
        guard result.status == 0, !result.timedOut, let line = result.stdout.split(separator: "\n").last else {
            throw NetworkNamespaceError.commandFailed(
                command: "traffic.py " + arguments.joined(separator: " "),
                message: result.timedOut
                    ? "did not finish within \(timeout) s" : "status \(result.status): \(result.stderr)")
        }
        return try JSONDecoder().decode(Report.self, from: Data(line.utf8))
    }

    static let script = #"""
        import json, socket, sys, time

        def udp(dst, port, count, size, rate, sport):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("", sport))
            s.connect((dst, port))
            payload = bytes(i & 0xFF for i in range(size))
            start = time.monotonic()
            sent = errors = 0
            for i in range(count):
                if rate > 0:
                    delay = start + i / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                try:
                    if s.send(payload) == size:
                        sent += 1
                    else:
                        errors += 1
                except OSError:
                    errors += 1
            host, sport = s.getsockname()
            s.close()
            return {"sourceAddress": host, "sourcePort": sport, "destinationAddress": dst,
                    "destinationPort": port, "datagrams": sent, "errors": errors, "payloadSize": size}

        def tcp(dst, port, connections, nbytes):
            flows = []
            for c in range(connections):
                s = socket.create_connection((dst, port), timeout=5)
                data = bytes((c + i) & 0xFF for i in range(nbytes))
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass
                host, sport = s.getsockname()
                s.close()
                flows.append({"sourceAddress": host, "sourcePort": sport, "bytes": nbytes})
            return {"destinationAddress": dst, "destinationPort": port, "connections": flows}

        mode = sys.argv[1]
        if mode == "udp":
            report = udp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]),
                         int(sys.argv[7]))
        elif mode == "tcp":
            report = tcp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        else:
            sys.exit("unknown mode " + mode)
        print(json.dumps(report))
        """#
}

extension TrafficGenerator {
    /// The receiving end in the test's own namespace: a UDP socket or a TCP listener bound to one address (the
    /// namespace's `hostAddress`), ready when `init` returns, read by a background thread that counts what
    /// arrives. TCP connections are read to their end and then closed.
    public final class Sink: @unchecked Sendable {
        /// The transport.
        public enum Transport: Sendable { case udp, tcp }

        /// What arrived so far.
        public struct Received: Sendable {
            /// UDP: datagrams and their payload bytes.
            public var datagrams = 0
            public var datagramBytes = 0
            /// TCP: the payload bytes of each connection the sender closed, in the order they ended.
            public var connectionBytes: [Int] = []
        }

        /// The port bound (the one the kernel chose when 0 was asked).
        public let port: UInt16
        public let transport: Transport
        private let socketDescriptor: Int32
        private let lock = NSLock()
        private var state = Received()
        private var stopping = false
        private let finished = DispatchSemaphore(value: 0)

        /// Binds `address:port` (0: any free port) and starts reading.
        public init(_ transport: Transport, address: String, port: UInt16 = 0) throws {
            self.transport = transport
            let type = transport == .udp ? SOCK_DGRAM : SOCK_STREAM
            #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            #else
            let fd = socket(AF_INET, type | SOCK_CLOEXEC, 0)
            #endif
            guard fd >= 0 else { throw Self.failure("socket") }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var big: Int32 = 4 << 20
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, socklen_t(MemoryLayout<Int32>.size))
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else {
                close(fd)
                throw NetworkNamespaceError.commandFailed(command: "sink", message: "bad IPv4 address \(address)")
            }
            let bound = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, transport == .udp || listen(fd, 16) == 0 else {
                let error = Self.failure("bind/listen \(address):\(port)")
                close(fd)
                throw error
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            self.port = UInt16(bigEndian: sin.sin_port)
            socketDescriptor = fd
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            let thread = Thread { [self] in
                transport == .udp ? readDatagrams() : serveConnections()
                finished.signal()
            }
            thread.start()
        }

        deinit { stop() }

        /// What arrived so far.
        public var received: Received {
            lock.lock()
            defer { lock.unlock() }
            return state
        }

        /// Waits at most `timeout` seconds until `condition` holds for what arrived; returns whether it held.
        public func wait(until condition: (Received) -> Bool, timeout: Double) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if condition(received) { return true }
                usleep(2_000)
            }
            return condition(received)
        }

        /// Stops reading and closes the socket(s). Idempotent.
        public func stop() {
            lock.lock()
            let first = !stopping
            stopping = true
            lock.unlock()
            guard first else { return }
            _ = finished.wait(timeout: .now() + 2)
            close(socketDescriptor)
        }

        private var isStopping: Bool {
            lock.lock()
            defer { lock.unlock() }
            return stopping
        }

        private func readDatagrams() {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var fds = [pollfd(fd: socketDescriptor, events: Int16(POLLIN), revents: 0)]
            while !isStopping {
                guard poll(&fds, 1, 20) > 0 else { continue }
                while true {
                    let n = recv(socketDescriptor, &buffer, buffer.count, 0)
                    if n < 0 { break }
                    lock.lock()
                    state.datagrams += 1
                    state.datagramBytes += n
                    lock.unlock()
                }
            }
        }

        private func serveConnections() {
            var connections: [(fd: Int32, bytes: Int)] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while !isStopping {
                var fds = [pollfd(fd: socketDescriptor, events: Int16(POLLIN), revents: 0)]
                fds += connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
                guard poll(&fds, nfds_t(fds.count), 20) > 0 else { continue }
                if fds[0].revents != 0 {
                    let c = accept(socketDescriptor, nil, nil)
                    if c >= 0 { connections.append((c, 0)) }
                }
                var index = 0
                while index < connections.count {
                    guard fds.count > index + 1, fds[index + 1].revents != 0 else {
                        index += 1
                        continue
                    }
                    let n = recv(connections[index].fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                    if n > 0 {
                        connections[index].bytes += n
                        index += 1
                    } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                        index += 1
                    } else {
                        close(connections[index].fd)
                        lock.lock()
                        state.connectionBytes.append(connections[index].bytes)
                        lock.unlock()
                        connections.remove(at: index)
                        fds.remove(at: index + 1)
                    }
                }
            }
            for c in connections { close(c.fd) }
        }

        private static func failure(_ call: String) -> NetworkNamespaceError {
            .commandFailed(command: call, message: String(cString: strerror(errno)))
        }
    }
}

#endif

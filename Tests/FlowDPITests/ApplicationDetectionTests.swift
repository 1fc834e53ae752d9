#if NDPI
import FlowMeter
import FlowPacket
import FlowTestSupport
import Testing

@testable import FlowDPI

typealias B = PacketBuilder

/// Collects every exported flow with its application state.
final class ApplicationExporter: FlowExporter {
    var flows: [(flow: Flow, state: ApplicationPlugin.State)] = []
    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) {
        flows.append((copy flow, columns.state(of: ApplicationPlugin.self)!))
    }
}

/// A meter with the application plugin, fed Ethernet frames as libpcap would hand them.
struct DetectionHarness: ~Copyable {
    var meter: Meter
    let exporter = ApplicationExporter()
    let decoder = PacketDecoder(linkType: .ethernet)
    var time: UInt64 = 1_700_000_000_000

    init(dissections: Int = 20) throws {
        var c = MeterConfiguration()
        c.idleTimeoutMilliseconds = 120_000
        meter = Meter(configuration: c, plugins: [try ApplicationPlugin(dissections: dissections)])
    }

    /// nDPI flow states in use in the meter's store.
    var liveNDPIFlows: Int { ApplicationDetection.liveFlows(in: meter)! }

    mutating func feed(_ frame: [UInt8]) {
        time += 3
        var packet = DecodedPacket()
        frame.withUnsafeBytes { bytes in
            guard case .decoded = decoder.decode(bytes, wireLength: UInt32(bytes.count), into: &packet) else {
                Issue.record("test frame does not decode")
                return
            }
            packet.time = time
            meter.process(&packet, frame: bytes, exporter: exporter)
        }
    }

    mutating func flush() { meter.flush(exporter: exporter) }

    /// The state of the one exported flow whose client port is `port`.
    func state(port: UInt16) -> ApplicationPlugin.State? {
        exporter.flows.first { $0.flow.sourcePort == port }?.state
    }
}

/// Frames of small conversations between a client and a server.
enum Conversation {
    static let client = "198.51.100.7"
    static let server = "192.0.2.80"

    static func udp(_ sport: UInt16, _ dport: UInt16, _ payload: [UInt8], reply: Bool = false) -> [UInt8] {
        let (s, d) = reply ? (server, client) : (client, server)
        return B.ethernet(type: EtherType.ipv4, B.ipv4(src: s, dst: d, protocol: IPProtocol.udp, B.udp(sport: sport, dport: dport, payload)))
    }

    static func tcp(
        _ sport: UInt16, _ dport: UInt16, seq: UInt32, ack: UInt32 = 0, flags: UInt8, _ payload: [UInt8] = [],
        reply: Bool = false
    ) -> [UInt8] {
        let (s, d) = reply ? (server, client) : (client, server)
        return B.ethernet(
            type: EtherType.ipv4,
            B.ipv4(src: s, dst: d, protocol: IPProtocol.tcp, B.tcp(sport: sport, dport: dport, seq: seq, ack: ack, flags: flags, payload)))
    }

    /// SYN, SYN-ACK, ACK, then the client's `requests` (one segment each), the server's ACK and its `responses`.
    static func tcpSession(port: UInt16, serverPort: UInt16, requests: [[UInt8]], responses: [[UInt8]]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var c: UInt32 = 1000
        var s: UInt32 = 9000
        frames.append(tcp(port, serverPort, seq: c, flags: TCPFlags.syn))
        frames.append(tcp(serverPort, port, seq: s, ack: c + 1, flags: TCPFlags.syn | TCPFlags.ack, reply: true))
        c += 1
        s += 1
        frames.append(tcp(port, serverPort, seq: c, ack: s, flags: TCPFlags.ack))
        for r in requests {
            frames.append(tcp(port, serverPort, seq: c, ack: s, flags: TCPFlags.ack | TCPFlags.psh, r))
            c += UInt32(r.count)
        }
        if !responses.isEmpty {  // the server acknowledges the requests first, as real servers do
            frames.append(tcp(serverPort, port, seq: s, ack: c, flags: TCPFlags.ack, reply: true))
        }
        for r in responses {
            frames.append(tcp(serverPort, port, seq: s, ack: c, flags: TCPFlags.ack | TCPFlags.psh, r, reply: true))
            s += UInt32(r.count)
        }
        frames.append(tcp(port, serverPort, seq: c, ack: s, flags: TCPFlags.ack))
        return frames
    }

    /// SYN, SYN-ACK, ACK, then `exchanges` in order (true: from the client), each segment acknowledged in turn.
    static func tcpDialogue(port: UInt16, serverPort: UInt16, _ exchanges: [(Bool, [UInt8])]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var c: UInt32 = 1000
        var s: UInt32 = 9000
        frames.append(tcp(port, serverPort, seq: c, flags: TCPFlags.syn))
        frames.append(tcp(serverPort, port, seq: s, ack: c + 1, flags: TCPFlags.syn | TCPFlags.ack, reply: true))
        c += 1
        s += 1
        frames.append(tcp(port, serverPort, seq: c, ack: s, flags: TCPFlags.ack))
        for (fromClient, payload) in exchanges {
            if fromClient {
                frames.append(tcp(port, serverPort, seq: c, ack: s, flags: TCPFlags.ack | TCPFlags.psh, payload))
                c += UInt32(payload.count)
                frames.append(tcp(serverPort, port, seq: s, ack: c, flags: TCPFlags.ack, reply: true))
            } else {
                frames.append(tcp(serverPort, port, seq: s, ack: c, flags: TCPFlags.ack | TCPFlags.psh, payload, reply: true))
                s += UInt32(payload.count)
                frames.append(tcp(port, serverPort, seq: c, ack: s, flags: TCPFlags.ack))
            }
        }
        return frames
    }

    /// A DNS query (or response with one A record) for `name`.
    static func dns(_ name: String, id: UInt16, response: Bool) -> [UInt8] {
        var m: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), response ? 0x81 : 0x01, response ? 0x80 : 0x00]
        m += [0, 1, 0, response ? 1 : 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") { m += [UInt8(label.utf8.count)] + Array(label.utf8) }
        m += [0, 0, 1, 0, 1]
        if response { m += [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1] }
        return m
    }
}

@Suite struct ApplicationDetectionTests {
    typealias C = Conversation

    @Test func dnsQueryIsNamedDNSWithTheQueryNameAsServerName() throws {
        var h = try DetectionHarness()
        h.feed(C.udp(53001, 53, C.dns("www.example.com", id: 7, response: false)))
        h.feed(C.udp(53, 53001, C.dns("www.example.com", id: 7, response: true), reply: true))
        h.flush()
        let sFound = h.state(port: 53001)
        let s = try #require(sFound)
        #expect(s.applicationName == "DNS")
        #expect(s.categoryName == "Network")
        #expect(s.requestedServerName == "www.example.com")
        #expect(!s.isGuessed)
        #expect(s.confidence == 6)  // DPI, in nDPI 5.0's numbering
    }

    @Test func httpRequestGivesHostUserAgentAndContentType() throws {
        var h = try DetectionHarness()
        let request = Array(
            "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: flowmeter-test/1.0\r\nAccept: */*\r\n\r\n".utf8)
        let response = Array(
            "HTTP/1.1 200 OK\r\nServer: test\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello".utf8)
        for frame in C.tcpSession(port: 40001, serverPort: 80, requests: [request], responses: [response]) {
            h.feed(frame)
        }
        h.flush()
        let sFound = h.state(port: 40001)
        let s = try #require(sFound)
        #expect(s.applicationName == "HTTP")
        #expect(s.categoryName == "Web")
        #expect(s.requestedServerName == "www.example.com")
        #expect(s.userAgent == "flowmeter-test/1.0")
        #expect(s.contentType == "text/html")
        #expect(s.clientFingerprint == "")
    }

    @Test func tlsClientHelloGivesServerNameAndJA4EvenAcrossTwoSegments() throws {
        var h = try DetectionHarness()
        let record = Hello.record(Hello.modern)
        let frames = C.tcpSession(
            port: 40002, serverPort: 443, requests: [Array(record[0..<60]), Array(record[60...])], responses: [])
        for frame in frames { h.feed(frame) }
        h.flush()
        let sFound = h.state(port: 40002)
        let s = try #require(sFound)
        #expect(s.applicationName.hasPrefix("TLS"))
        #expect(s.requestedServerName == "www.example.org")
        #expect(s.clientFingerprint == "t13d0608h2_db2546af4a66_29b745d5ce58")
        #expect(!s.isGuessed)
    }

    @Test func smtpStartTLSHelloGivesJA4WithTheGreetingsHostName() throws {
        var h = try DetectionHarness()
        // A hello without SNI (JA4 "t12i…" by itself) after STARTTLS: the flow's host name comes from SMTP, so the
        // fourth character is "d", as nDPI 5.0 (NFStream 6.6.0) writes it.
        let hello = Hello.clientHello(ciphers: [0xc02f, 0x0035], extensions: [Hello.ext(0x000b, [1, 0])])
        let text = { (line: String) in Array(line.utf8) }
        let frames = C.tcpDialogue(port: 40005, serverPort: 25, [
            (false, text("220 mx.example.com ESMTP ready\r\n")),
            (true, text("EHLO client.example.net\r\n")),
            (false, text("250-mx.example.com at your service\r\n250-STARTTLS\r\n250 8BITMIME\r\n")),
            (true, text("STARTTLS\r\n")),
            (false, text("220 2.0.0 Ready to start TLS\r\n")),
            (true, Hello.record(hello)),
        ])
        for frame in frames { h.feed(frame) }
        h.flush()
        let sFound = h.state(port: 40005)
        let s = try #require(sFound)
        #expect(s.applicationName.hasPrefix("SMTP"))
        #expect(s.requestedServerName == "mx.example.com")
        #expect(s.clientFingerprint == "t12d020100_1584f0a67932_bcb145a8c2a7")
    }

    @Test func quicHelloOverTwoInitialsGivesQUICWithServerNameAndJA4() throws {
        var h = try DetectionHarness()
        let hello = Hello.modern
        let half = hello.count / 2
        // The hello's second half first, then (next datagram) its first half: complete only on the second packet.
        h.feed(C.udp(40010, 443, QUICPacket.initial(frames: QUICPacket.crypto(offset: half, hello[half...]))))
        h.feed(C.udp(40010, 443, QUICPacket.initial(packetNumber: 3, frames: QUICPacket.crypto(offset: 0, hello[0..<half]))))
        h.feed(C.udp(443, 40010, [0xc0] + [UInt8](repeating: 0x55, count: 80), reply: true))
        h.flush()
        let sFound = h.state(port: 40010)
        let s = try #require(sFound)
        #expect(s.applicationName.hasPrefix("QUIC"))
        // nDPI 4.2 reads the SNI only from a hello in one Initial; flowmeter fills it in from the hello it assembled.
        #expect(s.requestedServerName == "www.example.org")
        #expect(s.clientFingerprint == "q13d0608h2_db2546af4a66_29b745d5ce58")
    }

    @Test func quicHelloOverTwoInitialsIsNamedFromItsServerNameAsNDPINamesOneItReads() throws {
        // nDPI 4.2 cannot read this hello (two Initials) and says QUIC; with the name assembled, the flow gets
        // nDPI's host match, as a hello in one Initial does and as nDPI 5.0 (NFStream) reports.
        var h = try DetectionHarness()
        let hello = Hello.modern(serverName: "www.youtube.com")
        let half = hello.count / 2
        h.feed(C.udp(40011, 443, QUICPacket.initial(frames: QUICPacket.crypto(offset: half, hello[half...]))))
        h.feed(C.udp(40011, 443, QUICPacket.initial(packetNumber: 3, frames: QUICPacket.crypto(offset: 0, hello[0..<half]))))
        h.feed(C.udp(443, 40011, [0xc0] + [UInt8](repeating: 0x55, count: 80), reply: true))
        // The same hello in one Initial: nDPI 4.2 reads and matches the name itself.
        h.feed(C.udp(40012, 443, QUICPacket.initial(frames: QUICPacket.crypto(offset: 0, hello))))
        h.feed(C.udp(443, 40012, [0xc0] + [UInt8](repeating: 0x55, count: 80), reply: true))
        // A name nDPI's host list does not know stays QUIC.
        let unknown = Hello.modern(serverName: "quic.example.net")
        let cut = unknown.count / 2
        h.feed(C.udp(40013, 443, QUICPacket.initial(frames: QUICPacket.crypto(offset: cut, unknown[cut...]))))
        h.feed(C.udp(40013, 443, QUICPacket.initial(packetNumber: 3, frames: QUICPacket.crypto(offset: 0, unknown[0..<cut]))))
        h.flush()
        let splitFound = h.state(port: 40011)
        let split = try #require(splitFound)
        let wholeFound = h.state(port: 40012)
        let whole = try #require(wholeFound)
        #expect(whole.applicationName == "QUIC.YouTube")
        #expect(split.applicationName == "QUIC.YouTube")
        #expect(split.categoryName == whole.categoryName)
        #expect(split.categoryName == "Media")
        #expect(split.requestedServerName == "www.youtube.com")
        let otherFound = h.state(port: 40013)
        let other = try #require(otherFound)
        #expect(other.applicationName == "QUIC")
        #expect(other.requestedServerName == "quic.example.net")
    }

    @Test func ssdpSearchGivesItsHostWithoutThePort() throws {
        var h = try DetectionHarness()
        let search = Array("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 3\r\nST: ssdp:all\r\n\r\n".utf8)
        h.feed(C.udp(40020, 1900, search))
        h.flush()
        let sFound = h.state(port: 40020)
        let s = try #require(sFound)
        #expect(s.applicationName == "SSDP")
        #expect(s.requestedServerName == "239.255.255.250")
    }

    @Test func unrecognisedTrafficIsUnknownAndNotGuessed() throws {
        var h = try DetectionHarness()
        for i in 0..<4 {
            let reply = i % 2 == 1
            h.feed(C.udp(reply ? 41001 : 41000, reply ? 41000 : 41001, B.payload(40, seed: UInt8(i)), reply: reply))
        }
        h.flush()
        let sFound = h.state(port: 41000)
        let s = try #require(sFound)
        #expect(s.applicationName == "Unknown")
        #expect(s.confidence == 0)
        #expect(s.requestedServerName == "")
    }

    @Test func wellKnownPortWithoutDissectableBytesIsGuessed() throws {
        var h = try DetectionHarness()
        // Bytes that are not TLS, to port 443: nDPI can only guess from the port.
        for i in 0..<3 { h.feed(C.tcp(40003, 443, seq: 1 + UInt32(i) * 40, flags: TCPFlags.ack, B.payload(40, seed: UInt8(i)))) }
        h.flush()
        let sFound = h.state(port: 40003)
        let s = try #require(sFound)
        #expect(s.isGuessed)
        #expect(s.confidence == 1)  // match by port
        #expect(s.applicationName == "TLS")
    }

    @Test func ndpiStateIsReleasedWhenDetectionIsFinalAndAtExpiry() throws {
        var h = try DetectionHarness(dissections: 20)
        // 300 DNS exchanges: each is final after its response, so no state stays in use.
        for i in 0..<300 {
            let port = UInt16(20000 + i)
            h.feed(C.udp(port, 53, C.dns("host\(i).example.com", id: UInt16(i), response: false)))
            h.feed(C.udp(53, port, C.dns("host\(i).example.com", id: UInt16(i), response: true), reply: true))
        }
        #expect(h.liveNDPIFlows == 0)
        // 50 undecided flows hold one state each until the end …
        for i in 0..<50 { h.feed(C.udp(UInt16(30000 + i), 41001, B.payload(30, seed: UInt8(i)))) }
        #expect(h.liveNDPIFlows == 50)
        // … and one flow of 25 packets gives up at its 20th, before it ends.
        for i in 0..<25 {
            let reply = i % 2 == 1
            h.feed(C.udp(reply ? 41002 : 31000, reply ? 31000 : 41002, B.payload(30, seed: UInt8(i)), reply: reply))
        }
        #expect(h.liveNDPIFlows == 50)
        h.flush()
        #expect(h.liveNDPIFlows == 0)
        #expect(h.exporter.flows.count == 351)
        #expect(h.state(port: 20042)?.requestedServerName == "host42.example.com")
    }

    @Test func pluginRejectsDissectionsOutOfRange() {
        #expect(throws: ApplicationDetectionError.self) { try ApplicationPlugin(dissections: 0) }
        #expect(throws: ApplicationDetectionError.self) { try ApplicationPlugin(dissections: 256) }
    }
}
#else
import Testing

@testable import FlowDPI

@Suite struct ApplicationDetectionUnavailableTests {
    @Test func pluginSaysDetectionIsUnavailableWithoutNDPI() {
        #expect(!ApplicationDetection.isAvailable)
        #expect(throws: ApplicationDetectionError.self) { try ApplicationPlugin(dissections: 20) }
    }
}
#endif

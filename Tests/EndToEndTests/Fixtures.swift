import FlowPacket
import FlowTestSupport

// Small captures built with `PacketBuilder`, one per decoding or metering feature, each converted by the
// `flowmeter` executable and compared with a golden CSV (`Golden/fixtures/<name><suffix>.csv`) by
// `FixtureTests`. The goldens are checked against NFStream 6.6.0 by `scripts/check-golden-with-nfstream.sh`,
// which reads the pcaps and the runs' options from `FLOWMETER_DUMP_FIXTURES` (see `FixtureTests`).
//
// Every fixture is run with `Fixture.commonOptions` plus its run's options. Each run also lists a few
// hand-checked facts (asserted in code, so a golden regenerated from a broken build is still caught) and
// the deviations from NFStream it shows on purpose (the rows of README's "Differences from NFStream").

private typealias B = PacketBuilder

/// One pcap record: its time, the captured bytes and (for a snaplen-cut frame) the longer wire length.
struct FixtureRecord: Sendable {
    var seconds: Int
    var microseconds: Int
    var frame: [UInt8]
    var wireLength: Int?
}

/// A column value check on the output of one run.
enum FixtureFact: Sendable, CustomStringConvertible {
    /// The output has this many flows.
    case flowCount(Int)
    /// The values of `column` over all flows, as a sorted multiset.
    case values(String, [String])
    /// Exactly one flow has the values `where`, and it has the values `has`.
    case flow(_ where: [String: String], has: [String: String])
    /// No flow has the values `where`.
    case noFlow([String: String])
    /// The header has no such column.
    case noColumn(String)

    var description: String {
        switch self {
        case .flowCount(let n): return "\(n) flows"
        case .values(let c, let v): return "\(c) values \(v)"
        case .flow(let w, let h): return "flow \(sorted(w)) has \(sorted(h))"
        case .noFlow(let w): return "no flow \(sorted(w))"
        case .noColumn(let c): return "no column \(c)"
        }
    }

    private func sorted(_ d: [String: String]) -> String {
        "[" + d.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "]"
    }
}

/// A difference from NFStream 6.6.0 that a run shows on purpose: the README row, and the flows it affects
/// (a flow is affected when it has all the values of one of `flows`, in flowmeter's output or NFStream's;
/// no `flows` means the whole run).
struct FixtureDeviation: Sendable, Codable {
    var readmeRow: Int
    var summary: String
    var flows: [[String: String]] = []
}

/// One conversion of a fixture's capture: the golden's name suffix, the options, the facts, the deviations.
struct FixtureRun: Sendable {
    var suffix: String = ""
    var options: [String] = []
    var facts: [FixtureFact]
    var deviations: [FixtureDeviation] = []
}

struct Fixture: Sendable {
    var name: String
    var linkType: LinkType
    var records: [FixtureRecord]
    var runs: [FixtureRun]

    /// Options every run gets.
    static let commonOptions = ["--statistics", "--splt", "5", "--dissections", "0"]

    /// The capture's first second (2023-11-14T22:13:20Z); record times are offsets from it.
    static let epoch = 1_700_000_000
    /// `epoch` plus `offset` milliseconds, as the CSV writes it.
    static func ms(_ offset: Int) -> String { String(epoch * 1000 + offset) }

    /// The capture as a classic pcap file.
    func pcap() -> PcapFileWriter {
        var writer = PcapFileWriter(linkType: linkType)
        for r in records {
            writer.append(r.frame, seconds: r.seconds, microseconds: r.microseconds, wireLength: r.wireLength)
        }
        return writer
    }
}

// MARK: - Building blocks

/// A record `ms` milliseconds (+ `us` microseconds) after `Fixture.epoch`; with `caplen`, only that many
/// bytes of the frame are captured and the record keeps the frame's full length as its wire length.
private func at(_ ms: Int, us: Int = 0, _ frame: [UInt8], caplen: Int? = nil) -> FixtureRecord {
    let total = ms * 1000 + us
    let (s, u) = total.quotientAndRemainder(dividingBy: 1_000_000)
    if let caplen, caplen < frame.count {
        return FixtureRecord(
            seconds: Fixture.epoch + s, microseconds: u, frame: Array(frame.prefix(caplen)), wireLength: frame.count)
    }
    return FixtureRecord(seconds: Fixture.epoch + s, microseconds: u, frame: frame)
}

/// An IP host with the MAC of its interface.
private struct Host {
    var ip: String
    var mac: String
}

/// Ethernet II from `a` to `b`, padded to the 60-byte minimum as a NIC sends it (the FCS is not captured).
private func eth(_ a: Host, _ b: Host, type: UInt16 = EtherType.ipv4, _ payload: [UInt8]) -> [UInt8] {
    var frame = B.ethernet(src: a.mac, dst: b.mac, type: type, payload)
    if frame.count < 60 { frame += [UInt8](repeating: 0, count: 60 - frame.count) }
    return frame
}

private func tcp4(
    _ a: Host, _ sport: UInt16, _ b: Host, _ dport: UInt16, _ flags: UInt8, seq: UInt32 = 1000, ack: UInt32 = 0,
    options: [UInt8] = [], urgent: UInt16 = 0, data: Int = 0, seed: UInt8 = 0
) -> [UInt8] {
    B.ipv4(
        src: a.ip, dst: b.ip, protocol: IPProtocol.tcp,
        B.tcp(
            sport: sport, dport: dport, seq: seq, ack: ack, flags: flags, options: options, urgentPointer: urgent,
            B.payload(data, seed: seed)))
}

private func tcp6(
    _ a: Host, _ sport: UInt16, _ b: Host, _ dport: UInt16, _ flags: UInt8, seq: UInt32 = 1000, ack: UInt32 = 0,
    extensions: [PacketBuilder.IPv6Extension] = [], data: Int = 0
) -> [UInt8] {
    B.ipv6(
        src: a.ip, dst: b.ip, nextHeader: IPProtocol.tcp, extensions: extensions,
        B.tcp(sport: sport, dport: dport, seq: seq, ack: ack, flags: flags, B.payload(data)))
}

private func udp4(_ a: Host, _ sport: UInt16, _ b: Host, _ dport: UInt16, data: Int, seed: UInt8 = 0) -> [UInt8] {
    B.ipv4(
        src: a.ip, dst: b.ip, protocol: IPProtocol.udp, B.udp(sport: sport, dport: dport, B.payload(data, seed: seed)))
}

private func udp6(
    _ a: Host, _ sport: UInt16, _ b: Host, _ dport: UInt16, data: Int,
    extensions: [PacketBuilder.IPv6Extension] = []
) -> [UInt8] {
    B.ipv6(
        src: a.ip, dst: b.ip, nextHeader: IPProtocol.udp, extensions: extensions,
        B.udp(sport: sport, dport: dport, B.payload(data)))
}

private let SYN = TCPFlags.syn
private let ACK = TCPFlags.ack
private let PSH = TCPFlags.psh
private let FIN = TCPFlags.fin
private let RST = TCPFlags.rst
private let URG = TCPFlags.urg
private let ECE = TCPFlags.ece
private let CWR = TCPFlags.cwr

private let zeroMAC = "00:00:00:00:00:00"

// MARK: - The fixtures

extension Fixture {
    static let all: [Fixture] = [
        tcpHandshake, udpDNSLike, icmpEcho, ipv6ExtensionHeaders, vlanQinQ, mpls, pppoe, ethernetEncapsulations,
        ipv4Fragments, gtpU, gtpUOverIPv6, capwap, tzsp, tzspInLinuxSLL, vxlan, gre, ipInIP, truncatedFrames,
        timeBackwards, timeouts, linuxSLL, linuxSLL2, rawIP, nullLoopback,
    ]

    /// Three TCP connections: a full one (handshake, data both ways, FIN/ACK close), one with ECN, URG and a
    /// RST, and one whose capture starts at the SYN-ACK (so the server is `src`). Bare ACKs are padded to 60.
    static let tcpHandshake: Fixture = {
        let c = Host(ip: "192.168.1.10", mac: "00:1b:21:0a:00:01")
        let web = Host(ip: "93.184.216.34", mac: "00:50:56:0b:00:02")
        let tls = Host(ip: "151.101.1.69", mac: "00:50:56:0b:00:02")
        let ssh = Host(ip: "10.0.0.5", mac: "00:50:56:0b:00:02")
        let opts = B.synOptions
        let records = [
            at(0, eth(c, web, tcp4(c, 50000, web, 80, SYN, seq: 1000, options: opts))),
            at(5, eth(c, tls, tcp4(c, 50001, tls, 443, SYN | ECE | CWR, seq: 7000, options: opts))),
            at(12, eth(web, c, tcp4(web, 80, c, 50000, SYN | ACK, seq: 5000, ack: 1001, options: opts))),
            at(13, eth(c, web, tcp4(c, 50000, web, 80, ACK, seq: 1001, ack: 5001))),
            at(14, eth(c, web, tcp4(c, 50000, web, 80, PSH | ACK, seq: 1001, ack: 5001, data: 120))),
            at(20, eth(tls, c, tcp4(tls, 443, c, 50001, SYN | ACK | ECE, seq: 9000, ack: 7001, options: opts))),
            at(21, eth(c, tls, tcp4(c, 50001, tls, 443, ACK, seq: 7001, ack: 9001))),
            at(22, eth(c, tls, tcp4(c, 50001, tls, 443, PSH | ACK, seq: 7001, ack: 9001, data: 300))),
            at(27, eth(web, c, tcp4(web, 80, c, 50000, ACK, seq: 5001, ack: 1121))),
            at(30, eth(web, c, tcp4(web, 80, c, 50000, PSH | ACK, seq: 5001, ack: 1121, data: 1200))),
            at(31, eth(c, web, tcp4(c, 50000, web, 80, ACK, seq: 1121, ack: 6201))),
            at(35, eth(tls, c, tcp4(tls, 443, c, 50001, URG | PSH | ACK, seq: 9001, ack: 7301, urgent: 1, data: 50))),
            at(40, eth(c, web, tcp4(c, 50000, web, 80, FIN | ACK, seq: 1121, ack: 6201))),
            at(52, eth(web, c, tcp4(web, 80, c, 50000, FIN | ACK, seq: 6201, ack: 1122))),
            at(53, eth(c, web, tcp4(c, 50000, web, 80, ACK, seq: 1122, ack: 6202))),
            at(60, eth(c, tls, tcp4(c, 50001, tls, 443, RST | ACK, seq: 7301, ack: 9051))),
            at(70, eth(ssh, c, tcp4(ssh, 22, c, 50002, SYN | ACK, seq: 300, ack: 401, options: opts))),
            at(71, eth(c, ssh, tcp4(c, 50002, ssh, 22, ACK, seq: 401, ack: 301))),
            at(80, eth(ssh, c, tcp4(ssh, 22, c, 50002, PSH | ACK, seq: 301, ack: 401, data: 40))),
            at(81, eth(c, ssh, tcp4(c, 50002, ssh, 22, PSH | ACK, seq: 401, ack: 341, data: 40, seed: 7))),
            at(90, eth(ssh, c, tcp4(ssh, 22, c, 50002, ACK, seq: 341, ack: 441))),
        ]
        let web80 = ["src_port": "50000"]
        let common: [FixtureFact] = [
            .flowCount(3),
            .flow(
                web80,
                has: [
                    "src_ip": "192.168.1.10", "dst_ip": "93.184.216.34", "dst_port": "80", "protocol": "6",
                    "src_mac": "00:1b:21:0a:00:01", "src_oui": "00:1b:21", "dst_mac": "00:50:56:0b:00:02",
                    "bidirectional_packets": "10", "src2dst_packets": "6", "dst2src_packets": "4",
                    "bidirectional_duration_ms": "53", "dst2src_first_seen_ms": ms(12),
                    "bidirectional_syn_packets": "2", "bidirectional_fin_packets": "2",
                    "bidirectional_ack_packets": "9", "bidirectional_psh_packets": "2",
                    "splt_direction": "[0, 1, 0, 0, 1]", "splt_piat_ms": "[0, 12, 1, 1, 13]",
                ]),
            .flow(
                ["src_port": "50001"],
                has: [
                    "bidirectional_packets": "6", "bidirectional_ece_packets": "2", "bidirectional_cwr_packets": "1",
                    "dst2src_urg_packets": "1", "src2dst_rst_packets": "1", "bidirectional_syn_packets": "2",
                ]),
            // The capture starts at the server's SYN-ACK: the server is src.
            .flow(
                ["src_port": "22"],
                has: [
                    "src_ip": "10.0.0.5", "dst_ip": "192.168.1.10", "dst_port": "50002", "src2dst_syn_packets": "1",
                    "dst2src_syn_packets": "0", "src2dst_packets": "3", "dst2src_packets": "2",
                ]),
        ]
        return Fixture(
            name: "tcp-handshake", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(
                    facts: common + [
                        // SYN 74, ACK 60, GET 174, ACK 60, FIN 60, ACK 60 / SYN-ACK 74, ACK 60, 1254, FIN 60.
                        .flow(
                            web80,
                            has: ["src2dst_bytes": "488", "dst2src_bytes": "1448", "bidirectional_max_ps": "1254"]),
                        .flow(web80, has: ["splt_ps": "[74, 74, 60, 174, 60]"]),
                    ]),
                FixtureRun(
                    suffix: "-accounting-mode-1", options: ["--accounting-mode", "1"],
                    facts: common + [
                        .flow(
                            web80, has: ["src2dst_bytes": "380", "dst2src_bytes": "1380", "bidirectional_min_ps": "40"])
                    ]),
                FixtureRun(
                    suffix: "-accounting-mode-2", options: ["--accounting-mode", "2"],
                    facts: common + [
                        .flow(
                            web80, has: ["src2dst_bytes": "260", "dst2src_bytes": "1300", "bidirectional_min_ps": "20"])
                    ]),
                FixtureRun(
                    suffix: "-accounting-mode-3", options: ["--accounting-mode", "3"],
                    facts: common + [
                        .flow(
                            web80,
                            has: ["src2dst_bytes": "120", "dst2src_bytes": "1200", "splt_ps": "[0, 0, 0, 120, 0]"])
                    ]),
            ])
    }()

    /// DNS-like UDP request/response pairs over IPv4 and IPv6, a repeated query on the same source port (one
    /// flow), and an unanswered query (dst2src times 0).
    static let udpDNSLike: Fixture = {
        let c = Host(ip: "192.168.1.10", mac: "00:1b:21:0a:00:01")
        let r = Host(ip: "192.168.1.1", mac: "00:0d:b9:00:00:01")
        let c6 = Host(ip: "2001:db8:1::10", mac: c.mac)
        let r6 = Host(ip: "2001:db8:1::1", mac: r.mac)
        let records = [
            at(0, eth(c, r, udp4(c, 53001, r, 53, data: 33))),
            at(8, eth(r, c, udp4(r, 53, c, 53001, data: 49, seed: 1))),
            at(10, eth(c, r, udp4(c, 53002, r, 53, data: 33, seed: 2))),
            at(19, eth(r, c, udp4(r, 53, c, 53002, data: 61, seed: 3))),
            at(20, eth(c6, r6, type: EtherType.ipv6, udp6(c6, 53003, r6, 53, data: 33))),
            at(28, eth(r6, c6, type: EtherType.ipv6, udp6(r6, 53, c6, 53003, data: 89))),
            at(100, us: 250, eth(c, r, udp4(c, 53001, r, 53, data: 35, seed: 4))),
            at(107, us: 999, eth(r, c, udp4(r, 53, c, 53001, data: 80, seed: 5))),
            at(200, eth(c, r, udp4(c, 53004, r, 53, data: 33, seed: 6))),
        ]
        return Fixture(
            name: "udp-dns-like", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(facts: [
                    .flowCount(4),
                    .values("protocol", ["17", "17", "17", "17"]),
                    .flow(
                        ["src_port": "53001"],
                        has: [
                            "bidirectional_packets": "4", "src2dst_bytes": "152", "dst2src_bytes": "213",
                            "bidirectional_last_seen_ms": ms(107), "splt_direction": "[0, 1, 0, 1, -1]",
                        ]),
                    .flow(
                        ["src_port": "53003"],
                        has: ["ip_version": "6", "src_ip": "2001:db8:1::10", "bidirectional_bytes": "246"]),
                    .flow(
                        ["src_port": "53004"],
                        has: [
                            "bidirectional_packets": "1", "dst2src_packets": "0", "dst2src_first_seen_ms": "0",
                            "dst2src_last_seen_ms": "0", "dst2src_duration_ms": "0",
                        ]),
                ])
            ])
    }()

    /// ICMP echo with two identifiers, and a port unreachable, between the same two hosts (one flow, ports 0),
    /// and an ICMPv6 echo.
    static let icmpEcho: Fixture = {
        let a = Host(ip: "10.0.0.1", mac: "02:00:00:00:01:01")
        let b = Host(ip: "10.0.0.2", mac: "02:00:00:00:01:02")
        let a6 = Host(ip: "2001:db8::1", mac: a.mac)
        let b6 = Host(ip: "2001:db8::2", mac: b.mac)
        func icmp(_ x: Host, _ y: Host, type: UInt8, code: UInt8 = 0, id: UInt16, seq: UInt16) -> [UInt8] {
            eth(
                x, y,
                B.ipv4(
                    src: x.ip, dst: y.ip, protocol: IPProtocol.icmp,
                    B.icmp(type: type, code: code, identifier: id, sequence: seq, B.payload(56))))
        }
        func icmp6(_ x: Host, _ y: Host, type: UInt8, id: UInt16, seq: UInt16) -> [UInt8] {
            eth(
                x, y, type: EtherType.ipv6,
                B.ipv6(
                    src: x.ip, dst: y.ip, nextHeader: IPProtocol.icmpv6,
                    B.icmpv6(type: type, identifier: id, sequence: seq, B.payload(56))))
        }
        let records = [
            at(0, icmp(a, b, type: 8, id: 1, seq: 1)),
            at(1, icmp(b, a, type: 0, id: 1, seq: 1)),
            at(1000, icmp(a, b, type: 8, id: 1, seq: 2)),
            at(1001, icmp(b, a, type: 0, id: 1, seq: 2)),
            at(1200, icmp6(a6, b6, type: 128, id: 7, seq: 1)),
            at(1203, icmp6(b6, a6, type: 129, id: 7, seq: 1)),
            at(1500, icmp(a, b, type: 8, id: 2, seq: 1)),
            at(1502, icmp(b, a, type: 0, id: 2, seq: 1)),
            at(2000, icmp(b, a, type: 3, code: 3, id: 0, seq: 0)),
        ]
        return Fixture(
            name: "icmp-echo", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(facts: [
                    .flowCount(2),
                    .flow(
                        ["protocol": "1"],
                        has: [
                            "src_ip": "10.0.0.1", "src_port": "0", "dst_port": "0", "bidirectional_packets": "7",
                            "src2dst_packets": "3", "dst2src_packets": "4", "bidirectional_bytes": "686",
                            "bidirectional_duration_ms": "2000",
                        ]),
                    .flow(
                        ["protocol": "58"],
                        has: [
                            "src_ip": "2001:db8::1", "src_port": "0", "bidirectional_packets": "2", "ip_version": "6",
                        ]),
                ])
            ])
    }()

    /// IPv6 with hop-by-hop, routing and destination options headers, a first fragment (counted, ports
    /// parsed) and its non-first fragment (ignored), and a lone non-first fragment of another datagram.
    static let ipv6ExtensionHeaders: Fixture = {
        let a = Host(ip: "2001:db8:a::1", mac: "02:00:00:00:06:01")
        let b = Host(ip: "2001:db8:b::2", mac: "02:00:00:00:06:02")
        let c = Host(ip: "2001:db8:c::3", mac: "02:00:00:00:06:03")
        let datagram = B.udp(sport: 40002, dport: 5000, B.payload(1500))  // 1508 bytes, sent in two fragments
        func fragment(_ x: Host, _ y: Host, _ ext: [PacketBuilder.IPv6Extension], _ body: [UInt8]) -> [UInt8] {
            eth(
                x, y, type: EtherType.ipv6,
                B.ipv6(src: x.ip, dst: y.ip, nextHeader: IPProtocol.udp, extensions: ext, body))
        }
        let records = [
            at(
                0,
                eth(
                    a, b, type: EtherType.ipv6,
                    udp6(
                        a, 40000, b, 4000, data: 20,
                        extensions: [.hopByHop(), .routing(addresses: ["2001:db8:c::3"]), .destinationOptions()]))),
            at(
                5,
                eth(
                    b, a, type: EtherType.ipv6,
                    udp6(b, 4000, a, 40000, data: 36, extensions: [.destinationOptions(units: 1)]))),
            at(10, eth(a, b, type: EtherType.ipv6, tcp6(a, 40001, b, 443, SYN, extensions: [.hopByHop(units: 1)]))),
            at(
                20,
                fragment(
                    a, b, [.hopByHop(), .fragment(offset: 0, moreFragments: true, identification: 0x11)],
                    Array(datagram[0..<1008]))),
            at(
                21,
                fragment(
                    a, b, [.fragment(offset: 126, moreFragments: false, identification: 0x11)],
                    Array(datagram[1008...]))),
            at(
                30, fragment(c, b, [.fragment(offset: 200, moreFragments: false, identification: 0x22)], B.payload(400))
            ),
        ]
        let udp = ["src_port": "40000"]
        let common: [FixtureFact] = [
            .flowCount(3),
            .values("protocol", ["17", "17", "6"]),
            .flow(udp, has: ["dst_port": "4000", "bidirectional_packets": "2", "ip_version": "6"]),
            .flow(["src_port": "40002"], has: ["dst_port": "5000", "bidirectional_packets": "1", "protocol": "17"]),
            .noFlow(["src_ip": "2001:db8:c::3"]),
        ]
        return Fixture(
            name: "ipv6-extension-headers", linkType: .ethernet, records: records,
            runs: [
                // 14 + 40 + 8 + 24 + 8 + 28 = 122.
                FixtureRun(facts: common + [.flow(udp, has: ["src2dst_bytes": "122"])]),
                // IP size = 40 + payload length (extension headers included): 40 + 40 + 28.
                FixtureRun(
                    suffix: "-accounting-mode-1", options: ["--accounting-mode", "1"],
                    facts: common + [
                        .flow(udp, has: ["src2dst_bytes": "108", "dst2src_bytes": "100"]),
                        .flow(["src_port": "40002"], has: ["bidirectional_bytes": "1064"]),
                    ]),
                // Transport size = payload length minus the extension headers.
                FixtureRun(
                    suffix: "-accounting-mode-2", options: ["--accounting-mode", "2"],
                    facts: common + [
                        .flow(udp, has: ["src2dst_bytes": "28", "dst2src_bytes": "44"]),
                        .flow(["src_port": "40002"], has: ["bidirectional_bytes": "1008"]),
                    ]),
            ])
    }()

    /// One 802.1Q tag (VID 10, priority 3), a 0x8100/0x8100 stack (outer 100, inner 20) carrying the same
    /// 5-tuple, and a 0x88A8/0x8100 stack (outer 200, inner 20) carrying another one.
    static let vlanQinQ: Fixture = {
        let a = Host(ip: "10.0.0.1", mac: "02:00:00:00:02:01")
        let b = Host(ip: "10.0.0.2", mac: "02:00:00:00:02:02")
        let c = Host(ip: "10.0.0.3", mac: "02:00:00:00:02:03")
        let d = Host(ip: "10.0.0.4", mac: "02:00:00:00:02:04")
        func single(_ x: Host, _ y: Host, _ ip: [UInt8]) -> [UInt8] {
            eth(x, y, type: EtherType.vlan, B.vlan(id: 10, priority: 3, type: EtherType.ipv4, ip))
        }
        func stacked(outerTPID: UInt16, outer: UInt16, _ x: Host, _ y: Host, _ ip: [UInt8]) -> [UInt8] {
            eth(
                x, y, type: outerTPID,
                B.vlan(id: outer, type: EtherType.vlan, B.vlan(id: 20, type: EtherType.ipv4, ip)))
        }
        let records = [
            at(0, single(a, b, udp4(a, 1000, b, 2000, data: 20))),
            at(1, single(b, a, udp4(b, 2000, a, 1000, data: 30))),
            at(2, stacked(outerTPID: EtherType.vlan, outer: 100, a, b, udp4(a, 1000, b, 2000, data: 20))),
            at(3, stacked(outerTPID: EtherType.vlan, outer: 100, b, a, udp4(b, 2000, a, 1000, data: 30))),
            at(4, stacked(outerTPID: EtherType.qinq, outer: 200, c, d, udp4(c, 3000, d, 4000, data: 20))),
            at(5, stacked(outerTPID: EtherType.qinq, outer: 200, d, c, udp4(d, 4000, c, 3000, data: 30))),
        ]
        return Fixture(
            name: "vlan-qinq", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(
                    facts: [
                        .flowCount(3),
                        .values("vlan_id", ["10", "20", "20"]),
                        .flow(
                            ["vlan_id": "10"],
                            has: ["src_ip": "10.0.0.1", "bidirectional_packets": "2", "bidirectional_bytes": "142"]),
                        .flow(
                            ["vlan_id": "20", "src_ip": "10.0.0.1"],
                            has: ["bidirectional_packets": "2", "bidirectional_bytes": "150"]),
                        .flow(
                            ["vlan_id": "20", "src_ip": "10.0.0.3"], has: ["dst_port": "4000", "dst2src_packets": "1"]),
                    ],
                    deviations: [
                        FixtureDeviation(
                            readmeRow: 3, summary: "802.1ad (0x88A8) outer tag: NFStream drops the frames",
                            flows: [["src_ip": "10.0.0.3"], ["dst_ip": "10.0.0.3"]])
                    ])
            ])
    }()

    /// Two-label MPLS stacks carrying IPv4 (0x8847) and IPv6 (0x8848).
    static let mpls: Fixture = {
        let pe1 = Host(ip: "10.10.0.1", mac: "02:00:00:00:03:01")
        let pe2 = Host(ip: "10.20.0.1", mac: "02:00:00:00:03:02")
        let v6a = Host(ip: "2001:db8:10::1", mac: pe1.mac)
        let v6b = Host(ip: "2001:db8:20::1", mac: pe2.mac)
        func mpls(_ x: Host, _ y: Host, type: UInt16 = EtherType.mplsUnicast, _ labels: [UInt32], _ ip: [UInt8])
            -> [UInt8]
        {
            eth(x, y, type: type, B.mpls(labels: labels, ip))
        }
        let records = [
            at(0, mpls(pe1, pe2, [16001, 24], tcp4(pe1, 33000, pe2, 179, SYN, options: B.synOptions))),
            at(
                3,
                mpls(
                    pe2, pe1, [16002, 25],
                    tcp4(pe2, 179, pe1, 33000, SYN | ACK, seq: 1, ack: 1001, options: B.synOptions))),
            at(4, mpls(pe1, pe2, [16001, 24], tcp4(pe1, 33000, pe2, 179, PSH | ACK, seq: 1001, ack: 2, data: 29))),
            at(10, mpls(v6a, v6b, type: EtherType.mplsMulticast, [300, 17], udp6(v6a, 3784, v6b, 3784, data: 24))),
            at(11, mpls(v6b, v6a, type: EtherType.mplsMulticast, [301, 18], udp6(v6b, 3784, v6a, 3784, data: 24))),
        ]
        return Fixture(
            name: "mpls", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(facts: [
                    .flowCount(2),
                    .flow(
                        ["protocol": "6"],
                        has: [
                            "src_ip": "10.10.0.1", "dst_port": "179", "bidirectional_packets": "3", "vlan_id": "0",
                            "src2dst_bytes": "173",
                        ]),
                    .flow(
                        ["protocol": "17"], has: ["ip_version": "6", "src2dst_packets": "1", "dst2src_packets": "1"]),
                ])
            ])
    }()

    /// PPPoE sessions carrying IPv4 (PPP 0x0021) and IPv6 (PPP 0x0057).
    static let pppoe: Fixture = {
        let cpe = Host(ip: "100.64.0.2", mac: "02:00:00:00:04:01")
        let bras = Host(ip: "203.0.113.5", mac: "02:00:00:00:04:02")
        let cpe6 = Host(ip: "2001:db8:400::2", mac: cpe.mac)
        let srv6 = Host(ip: "2001:db8:500::5", mac: bras.mac)
        func session(_ x: Host, _ y: Host, ppp: UInt16 = 0x0021, _ ip: [UInt8]) -> [UInt8] {
            eth(x, y, type: EtherType.pppoeSession, B.pppoeSession(sessionID: 0x2a, pppProtocol: ppp, ip))
        }
        let records = [
            at(0, session(cpe, bras, tcp4(cpe, 41000, bras, 80, SYN, options: B.synOptions))),
            at(9, session(bras, cpe, tcp4(bras, 80, cpe, 41000, SYN | ACK, seq: 1, ack: 1001, options: B.synOptions))),
            at(10, session(cpe, bras, tcp4(cpe, 41000, bras, 80, ACK, seq: 1001, ack: 2))),
            at(20, session(cpe6, srv6, ppp: 0x0057, udp6(cpe6, 123, srv6, 123, data: 48))),
            at(31, session(srv6, cpe6, ppp: 0x0057, udp6(srv6, 123, cpe6, 123, data: 48))),
        ]
        return Fixture(
            name: "pppoe", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(facts: [
                    .flowCount(2),
                    .flow(
                        ["protocol": "6"],
                        has: ["src_ip": "100.64.0.2", "bidirectional_packets": "3", "src2dst_bytes": "144"]),
                    .flow(
                        ["protocol": "17"],
                        has: ["src_ip": "2001:db8:400::2", "src_port": "123", "bidirectional_bytes": "236"]),
                ])
            ])
    }()

    /// Ethernet payloads other than plain Ethernet II IP: 802.3 + LLC/SNAP carrying IPv4, an IPv4 packet behind a
    /// non-IP ethertype (0x8903, Cisco FabricPath: skipped), ARP and LLDP (skipped).
    static let ethernetEncapsulations: Fixture = {
        let a = Host(ip: "10.0.1.1", mac: "02:00:00:00:0e:01")
        let b = Host(ip: "10.0.1.2", mac: "02:00:00:00:0e:02")
        let c = Host(ip: "10.0.2.1", mac: "02:00:00:00:0e:03")
        let d = Host(ip: "10.0.2.2", mac: "02:00:00:00:0e:04")
        let e = Host(ip: "10.0.3.1", mac: "02:00:00:00:0e:05")
        let f = Host(ip: "10.0.3.2", mac: "02:00:00:00:0e:06")
        let arp: [UInt8] =
            [0, 1, 8, 0, 6, 4, 0, 1] + B.macBytes(a.mac) + [10, 0, 1, 1] + [0, 0, 0, 0, 0, 0] + [10, 0, 1, 2]
        let lldp: [UInt8] =
            [0x02, 0x07, 0x04] + B.macBytes(a.mac) + [0x04, 0x02, 0x07, 0x31, 0x06, 0x02, 0x00, 0x78, 0, 0]
        let records = [
            at(
                0,
                B.ethernet8023(
                    src: a.mac, dst: b.mac, B.llcSnap(type: EtherType.ipv4, udp4(a, 6000, b, 6001, data: 30)))),
            at(
                1,
                B.ethernet8023(
                    src: b.mac, dst: a.mac, B.llcSnap(type: EtherType.ipv4, udp4(b, 6001, a, 6000, data: 40)))),
            at(2, eth(a, b, type: EtherType.arp, arp)),
            at(3, B.ethernet(src: a.mac, dst: "01:80:c2:00:00:0e", type: EtherType.lldp, lldp)),
            at(4, eth(c, d, type: 0x8903, udp4(c, 7000, d, 7001, data: 30))),
            at(5, eth(a, b, udp4(a, 6000, b, 6001, data: 10))),
            // A non-first fragment behind LLC/SNAP: ignored, as behind Ethernet II.
            at(
                6,
                B.ethernet8023(
                    src: e.mac, dst: f.mac,
                    B.llcSnap(
                        type: EtherType.ipv4,
                        B.ipv4(
                            src: e.ip, dst: f.ip, protocol: IPProtocol.udp, fragmentOffset: 185, B.payload(100))))),
        ]
        return Fixture(
            name: "ethernet-encapsulations", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(
                    facts: [
                        .flowCount(1),
                        .flow(
                            ["src_port": "6000"],
                            has: [
                                "src_ip": "10.0.1.1", "src2dst_packets": "2", "dst2src_packets": "1",
                                "src2dst_bytes": "140",
                            ]),
                        .noFlow(["src_ip": "10.0.2.1"]),
                        .noFlow(["src_ip": "10.0.3.1"]),
                    ],
                    deviations: [
                        FixtureDeviation(
                            readmeRow: 1,
                            summary: "IPv4 behind a non-IP ethertype (0x8903) skipped; NFStream reads it as IP",
                            flows: [["src_ip": "10.0.2.1"]]),
                        FixtureDeviation(
                            readmeRow: 9,
                            summary:
                                "LLC/SNAP type read byte-swapped: NFStream lets a non-first fragment through",
                            flows: [["src_ip": "10.0.3.1"]]),
                    ])
            ])
    }()

    /// A 3008-byte UDP datagram in three IPv4 fragments (the first counted with its ports, the others
    /// ignored), the unfragmented reply, and a lone non-first fragment of another datagram (no flow).
    static let ipv4Fragments: Fixture = {
        let a = Host(ip: "10.0.0.1", mac: "02:00:00:00:05:01")
        let b = Host(ip: "10.0.0.2", mac: "02:00:00:00:05:02")
        let c = Host(ip: "10.0.0.3", mac: "02:00:00:00:05:03")
        let datagram = B.udp(sport: 5000, dport: 6000, B.payload(3000))
        func fragment(_ x: Host, _ y: Host, id: UInt16, offset: Int, more: Bool, _ body: ArraySlice<UInt8>) -> [UInt8] {
            eth(
                x, y,
                B.ipv4(
                    src: x.ip, dst: y.ip, protocol: IPProtocol.udp, identification: id, moreFragments: more,
                    fragmentOffset: UInt16(offset / 8), Array(body)))
        }
        let records = [
            at(0, fragment(a, b, id: 0x4242, offset: 0, more: true, datagram[0..<1480])),
            at(1, fragment(a, b, id: 0x4242, offset: 1480, more: true, datagram[1480..<2960])),
            at(2, fragment(a, b, id: 0x4242, offset: 2960, more: false, datagram[2960...])),
            at(5, fragment(c, b, id: 0x4343, offset: 1480, more: false, datagram[0..<200])),
            at(10, eth(b, a, udp4(b, 6000, a, 5000, data: 20))),
        ]
        let common: [FixtureFact] = [
            .flowCount(1),
            .flow(
                ["src_port": "5000"],
                has: ["dst_port": "6000", "protocol": "17", "src2dst_packets": "1", "dst2src_packets": "1"]),
            .noFlow(["src_ip": "10.0.0.3"]),
        ]
        return Fixture(
            name: "ipv4-fragments", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(
                    facts: common + [
                        .flow(["src_port": "5000"], has: ["src2dst_bytes": "1514", "dst2src_bytes": "62"])
                    ]),
                // The first fragment's transport size is its own L4 bytes (total length - header), not UDP's.
                FixtureRun(
                    suffix: "-accounting-mode-2", options: ["--accounting-mode", "2"],
                    facts: common + [
                        .flow(["src_port": "5000"], has: ["src2dst_bytes": "1480", "dst2src_bytes": "28"])
                    ]),
                FixtureRun(
                    suffix: "-accounting-mode-3", options: ["--accounting-mode", "3"],
                    facts: common + [
                        .flow(["src_port": "5000"], has: ["src2dst_bytes": "1472", "dst2src_bytes": "20"])
                    ]),
            ])
    }()

    // MARK: Tunnels

    /// GTP-U (both ports 2152) between an eNodeB and an SGW: an inner TCP connection (plain header, with a
    /// sequence number, with a PDU session container extension) and an inner ICMP echo.
    static let gtpU: Fixture = {
        let enb = Host(ip: "172.16.0.1", mac: "02:00:00:00:10:01")
        let sgw = Host(ip: "172.16.0.2", mac: "02:00:00:00:10:02")
        let ue = Host(ip: "10.45.0.2", mac: "")
        let srv = Host(ip: "8.8.4.4", mac: "")
        let gw = Host(ip: "10.45.0.1", mac: "")
        func gtp(_ up: Bool, sequence: UInt16? = nil, extensions: [[UInt8]] = [], _ inner: [UInt8]) -> [UInt8] {
            let (x, y) = up ? (enb, sgw) : (sgw, enb)
            return eth(
                x, y,
                B.ipv4(
                    src: x.ip, dst: y.ip, protocol: IPProtocol.udp,
                    B.udp(
                        sport: 2152, dport: 2152,
                        B.gtpU(teid: up ? 0x100 : 0x200, sequence: sequence, extensions: extensions, inner))))
        }
        let pduSession: [UInt8] = [0x10, 0x09]
        let records = [
            at(0, gtp(true, tcp4(ue, 40000, srv, 443, SYN, options: B.synOptions))),
            at(30, gtp(false, tcp4(srv, 443, ue, 40000, SYN | ACK, seq: 1, ack: 1001, options: B.synOptions))),
            at(31, gtp(true, sequence: 7, tcp4(ue, 40000, srv, 443, ACK, seq: 1001, ack: 2))),
            at(
                32,
                gtp(
                    true, extensions: [pduSession],
                    tcp4(ue, 40000, srv, 443, PSH | ACK, seq: 1001, ack: 2, data: 200))),
            at(60, gtp(false, tcp4(srv, 443, ue, 40000, PSH | ACK, seq: 2, ack: 1201, data: 1000))),
            at(
                100,
                gtp(
                    true,
                    B.ipv4(src: ue.ip, dst: gw.ip, protocol: IPProtocol.icmp, B.icmp(identifier: 3, B.payload(32))))),
            at(
                102,
                gtp(
                    false,
                    B.ipv4(
                        src: gw.ip, dst: ue.ip, protocol: IPProtocol.icmp, B.icmp(type: 0, identifier: 3, B.payload(32))
                    ))),
        ]
        return Fixture(
            name: "gtp-u", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(facts: [
                    .flowCount(2),
                    .values("tunnel_id", ["1", "1"]),
                    .flow(
                        ["protocol": "6"],
                        has: [
                            "src_ip": "10.45.0.2", "dst_ip": "8.8.4.4", "src_port": "40000", "dst_port": "443",
                            "src_mac": "02:00:00:00:10:01", "bidirectional_packets": "5", "src2dst_packets": "3",
                        ]),
                    .flow(["protocol": "1"], has: ["src_ip": "10.45.0.2", "dst_ip": "10.45.0.1", "tunnel_id": "1"]),
                ]),
                FixtureRun(
                    suffix: "-no-tunnels", options: ["--no-tunnels"],
                    facts: [
                        .flowCount(1),
                        .noColumn("tunnel_id"),
                        .flow(
                            ["src_ip": "172.16.0.1"],
                            has: [
                                "dst_ip": "172.16.0.2", "src_port": "2152", "dst_port": "2152", "protocol": "17",
                                "bidirectional_packets": "7",
                            ]),
                    ]),
            ])
    }()

    /// GTP-U over an IPv6 transport network: the inner IPv4 TCP packets are decoded.
    static let gtpUOverIPv6: Fixture = {
        let enb = Host(ip: "2001:db8:5::1", mac: "02:00:00:00:11:01")
        let upf = Host(ip: "2001:db8:5::2", mac: "02:00:00:00:11:02")
        let ue = Host(ip: "10.46.0.2", mac: "")
        let srv = Host(ip: "1.1.1.1", mac: "")
        func gtp(_ up: Bool, _ inner: [UInt8]) -> [UInt8] {
            let (x, y) = up ? (enb, upf) : (upf, enb)
            return eth(
                x, y, type: EtherType.ipv6,
                B.ipv6(
                    src: x.ip, dst: y.ip, nextHeader: IPProtocol.udp,
                    B.udp(sport: 2152, dport: 2152, B.gtpU(teid: up ? 0x300 : 0x400, inner))))
        }
        let records = [
            at(0, gtp(true, tcp4(ue, 41000, srv, 443, SYN, options: B.synOptions))),
            at(20, gtp(false, tcp4(srv, 443, ue, 41000, SYN | ACK, seq: 1, ack: 1001, options: B.synOptions))),
            at(21, gtp(true, tcp4(ue, 41000, srv, 443, ACK, seq: 1001, ack: 2))),
        ]
        return Fixture(
            name: "gtp-u-over-ipv6", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(
                    facts: [
                        .flowCount(1),
                        .flow(
                            ["tunnel_id": "1"],
                            has: [
                                "src_ip": "10.46.0.2", "dst_ip": "1.1.1.1", "ip_version": "4",
                                "bidirectional_packets": "3",
                            ]),
                    ],
                    deviations: [
                        FixtureDeviation(
                            readmeRow: 6,
                            summary: "GTP-U behind an IPv6 outer header decoded; NFStream reads UDP at a wrong offset",
                            flows: [["tunnel_id": "1"], ["ip_version": "6"]])
                    ]),
                FixtureRun(
                    suffix: "-no-tunnels", options: ["--no-tunnels"],
                    facts: [
                        .flowCount(1),
                        .flow(
                            ["src_ip": "2001:db8:5::1"],
                            has: ["src_port": "2152", "protocol": "17", "bidirectional_packets": "3"]),
                    ]),
            ])
    }()

    /// CAPWAP data (port 5247) carrying 802.11 + LLC/SNAP + IPv4 (MACs from the 802.11 header), and CAPWAP
    /// control (5246, not a tunnel).
    static let capwap: Fixture = {
        let ap = Host(ip: "192.168.100.10", mac: "02:00:00:00:20:01")
        let wlc = Host(ip: "192.168.100.1", mac: "02:00:00:00:20:02")
        let sta = Host(ip: "192.168.50.23", mac: "")
        let dns = Host(ip: "192.168.50.1", mac: "")
        func data(_ up: Bool, _ inner: [UInt8]) -> [UInt8] {
            let (x, y) = up ? (ap, wlc) : (wlc, ap)
            let wifi =
                up
                ? B.capwap80211(transmitter: "02:00:00:00:aa:23", destination: "02:00:00:00:bb:01", inner)
                : B.capwap80211(transmitter: "02:00:00:00:bb:01", destination: "02:00:00:00:aa:23", inner)
            return eth(
                x, y,
                B.ipv4(
                    src: x.ip, dst: y.ip, protocol: IPProtocol.udp,
                    B.udp(sport: 5247, dport: 5247, wifi)))
        }
        let records = [
            at(0, data(true, udp4(sta, 51000, dns, 53, data: 30))),
            at(4, data(false, udp4(dns, 53, sta, 51000, data: 46))),
            at(10, eth(ap, wlc, udp4(ap, 5246, wlc, 5246, data: 40))),
            at(12, data(true, udp4(sta, 51000, dns, 53, data: 30, seed: 1))),
        ]
        return Fixture(
            name: "capwap", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(facts: [
                    .flowCount(2),
                    .values("tunnel_id", ["0", "2"]),
                    .flow(
                        ["tunnel_id": "2"],
                        has: [
                            "src_ip": "192.168.50.23", "dst_port": "53", "src_mac": "02:00:00:00:aa:23",
                            "dst_mac": "02:00:00:00:bb:01", "bidirectional_packets": "3",
                        ]),
                    .flow(["tunnel_id": "0"], has: ["src_port": "5246", "src_ip": "192.168.100.10"]),
                ]),
                FixtureRun(
                    suffix: "-no-tunnels", options: ["--no-tunnels"],
                    facts: [
                        .flowCount(2),
                        .noColumn("tunnel_id"),
                        .flow(
                            ["src_port": "5247"],
                            has: [
                                "src_ip": "192.168.100.10", "bidirectional_packets": "3",
                                "src_mac": "02:00:00:00:20:01",
                            ]),
                    ]),
            ])
    }()

    /// TZSP frames (v1, type 0, encapsulation 1) for `link`: an inner Ethernet TCP exchange, and a TZSP
    /// frame with encapsulation 18 (802.11), which stays the outer UDP flow with tunnel id 3.
    private static func tzspRecords(
        wrap: (Host, Host, [UInt8]) -> [UInt8]
    ) -> [FixtureRecord] {
        let sensor = Host(ip: "10.5.0.9", mac: "02:00:00:00:30:09")
        let collector = Host(ip: "10.5.0.1", mac: "02:00:00:00:30:01")
        let web = Host(ip: "192.168.7.8", mac: "02:00:00:00:77:08")
        let client = Host(ip: "192.168.7.7", mac: "02:00:00:00:77:07")
        func tzsp(port: UInt16 = 49000, encapsulation: UInt16 = 1, _ inner: [UInt8]) -> [UInt8] {
            wrap(
                sensor, collector, udp4Body(sensor, port, collector, 37008, B.tzsp(encapsulation: encapsulation, inner))
            )
        }
        return [
            at(
                0,
                tzsp(
                    B.ethernet(
                        src: client.mac, dst: web.mac, type: EtherType.ipv4,
                        tcp4(client, 60000, web, 80, SYN, options: B.synOptions)))),
            at(
                1,
                tzsp(
                    B.ethernet(
                        src: web.mac, dst: client.mac, type: EtherType.ipv4,
                        tcp4(web, 80, client, 60000, SYN | ACK, seq: 1, ack: 1001, options: B.synOptions)))),
            at(
                2,
                tzsp(
                    B.ethernet(
                        src: client.mac, dst: web.mac, type: EtherType.ipv4,
                        tcp4(client, 60000, web, 80, ACK, seq: 1001, ack: 2)))),
            at(5, tzsp(port: 49001, encapsulation: 18, B.payload(60))),
        ]
    }

    private static func udp4Body(_ a: Host, _ sport: UInt16, _ b: Host, _ dport: UInt16, _ body: [UInt8]) -> [UInt8] {
        B.ipv4(src: a.ip, dst: b.ip, protocol: IPProtocol.udp, B.udp(sport: sport, dport: dport, body))
    }

    /// TZSP (port 37008) in an Ethernet capture.
    static let tzsp: Fixture = {
        let records = tzspRecords { x, y, ip in eth(x, y, ip) }
        return Fixture(
            name: "tzsp", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(facts: [
                    .flowCount(2),
                    .values("tunnel_id", ["3", "3"]),
                    .flow(
                        ["protocol": "6"],
                        has: [
                            "src_ip": "192.168.7.7", "dst_port": "80", "src_mac": "02:00:00:00:77:07",
                            "dst_mac": "02:00:00:00:77:08", "bidirectional_packets": "3",
                        ]),
                    .flow(
                        ["protocol": "17"],
                        has: ["src_ip": "10.5.0.9", "src_port": "49001", "dst_port": "37008", "tunnel_id": "3"]),
                ]),
                FixtureRun(
                    suffix: "-no-tunnels", options: ["--no-tunnels"],
                    facts: [
                        .flowCount(2),
                        .noColumn("tunnel_id"),
                        .flow(
                            ["src_port": "49000"],
                            has: ["src_ip": "10.5.0.9", "dst_port": "37008", "bidirectional_packets": "3"]),
                    ]),
            ])
    }()

    /// The same TZSP traffic in a Linux cooked (SLL) capture: the inner frame is Ethernet all the same.
    static let tzspInLinuxSLL: Fixture = {
        let records = tzspRecords { x, _, ip in B.linuxSLL(packetType: 4, address: x.mac, protocol: EtherType.ipv4, ip)
        }
        return Fixture(
            name: "tzsp-in-linux-sll", linkType: .linuxSLL, records: records,
            runs: [
                FixtureRun(
                    facts: [
                        .flowCount(2),
                        .values("tunnel_id", ["3", "3"]),
                        .flow(
                            ["protocol": "6"],
                            has: [
                                "src_ip": "192.168.7.7", "src_mac": "02:00:00:00:77:07", "bidirectional_packets": "3",
                            ]),
                        .flow(["protocol": "17"], has: ["src_ip": "10.5.0.9", "src_mac": zeroMAC]),
                    ],
                    deviations: [
                        FixtureDeviation(
                            readmeRow: 10,
                            summary:
                                "TZSP inner frame read as Ethernet; NFStream reads it as the capture's link type (SLL)",
                            flows: [["protocol": "6"], ["src_ip": "10.5.0.9", "src_port": "49000"]])
                    ]),
                FixtureRun(
                    suffix: "-no-tunnels", options: ["--no-tunnels"],
                    facts: [.flowCount(2), .noColumn("tunnel_id"), .values("src_mac", [zeroMAC, zeroMAC])]),
            ])
    }()

    /// VXLAN (UDP 4789) between two VTEPs carrying an Ethernet frame with IPv4 UDP.
    static let vxlan: Fixture = {
        let vtep1 = Host(ip: "10.0.0.11", mac: "02:00:00:00:40:11")
        let vtep2 = Host(ip: "10.0.0.12", mac: "02:00:00:00:40:12")
        let vm1 = Host(ip: "192.168.10.1", mac: "02:00:00:00:41:01")
        let vm2 = Host(ip: "192.168.10.2", mac: "02:00:00:00:41:02")
        func vx(_ x: Host, _ sport: UInt16, _ y: Host, _ a: Host, _ b: Host, _ ip: [UInt8]) -> [UInt8] {
            eth(
                x, y,
                udp4Body(
                    x, sport, y, 4789, B.vxlan(vni: 5001, B.ethernet(src: a.mac, dst: b.mac, type: EtherType.ipv4, ip)))
            )
        }
        let records = [
            at(0, vx(vtep1, 54321, vtep2, vm1, vm2, udp4(vm1, 1111, vm2, 2222, data: 64))),
            at(1, vx(vtep2, 60123, vtep1, vm2, vm1, udp4(vm2, 2222, vm1, 1111, data: 64, seed: 1))),
            at(2, vx(vtep1, 54321, vtep2, vm1, vm2, udp4(vm1, 1111, vm2, 2222, data: 64, seed: 2))),
        ]
        return Fixture(
            name: "vxlan", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(
                    facts: [
                        .flowCount(1),
                        .flow(
                            ["tunnel_id": "5"],
                            has: [
                                "src_ip": "192.168.10.1", "dst_ip": "192.168.10.2", "src_port": "1111",
                                "dst_port": "2222",
                                "src_mac": "02:00:00:00:41:01", "bidirectional_packets": "3", "dst2src_packets": "1",
                            ]),
                    ],
                    deviations: [
                        FixtureDeviation(
                            readmeRow: 5,
                            summary: "VXLAN decapsulated (tunnel_id 5); NFStream gives the outer UDP flows",
                            flows: [["tunnel_id": "5"], ["dst_port": "4789"]])
                    ]),
                FixtureRun(
                    suffix: "-no-tunnels", options: ["--no-tunnels"],
                    facts: [
                        .flowCount(2),
                        .noColumn("tunnel_id"),
                        .values("dst_port", ["4789", "4789"]),
                    ]),
            ])
    }()

    /// GRE (IP protocol 47): IPv4 inside (plain header, then with a checksum), IPv6 inside (with key and
    /// sequence number) and transparent Ethernet bridging.
    static let gre: Fixture = {
        let r1 = Host(ip: "172.16.1.1", mac: "02:00:00:00:50:01")
        let r2 = Host(ip: "172.16.1.2", mac: "02:00:00:00:50:02")
        let a = Host(ip: "10.9.0.1", mac: "02:00:00:00:51:01")
        let b = Host(ip: "10.9.0.2", mac: "02:00:00:00:51:02")
        let a6 = Host(ip: "2001:db8:9::1", mac: "")
        let b6 = Host(ip: "2001:db8:9::2", mac: "")
        let bridged1 = Host(ip: "192.168.20.1", mac: "02:00:00:00:52:01")
        let bridged2 = Host(ip: "192.168.20.2", mac: "02:00:00:00:52:02")
        func gre(_ x: Host, _ y: Host, _ g: [UInt8]) -> [UInt8] {
            eth(x, y, B.ipv4(src: x.ip, dst: y.ip, protocol: IPProtocol.gre, g))
        }
        let records = [
            at(0, gre(r1, r2, B.gre(protocolType: EtherType.ipv4, tcp4(a, 40000, b, 22, SYN, options: B.synOptions)))),
            at(
                2,
                gre(
                    r2, r1,
                    B.gre(
                        protocolType: EtherType.ipv4, checksum: true,
                        tcp4(b, 22, a, 40000, SYN | ACK, seq: 1, ack: 1001, options: B.synOptions)))),
            at(
                5,
                gre(
                    r1, r2,
                    B.gre(
                        protocolType: EtherType.ipv6, key: 0x1234, sequence: 1,
                        udp6(a6, 9000, b6, 9001, data: 100)))),
            at(
                8,
                gre(
                    r1, r2,
                    B.gre(
                        protocolType: EtherType.transparentEthernetBridging,
                        B.ethernet(
                            src: bridged1.mac, dst: bridged2.mac, type: EtherType.ipv4,
                            udp4(bridged1, 5000, bridged2, 5001, data: 10))))),
        ]
        return Fixture(
            name: "gre", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(
                    facts: [
                        .flowCount(3),
                        .values("tunnel_id", ["6", "6", "6"]),
                        .flow(
                            ["protocol": "6"],
                            has: [
                                "src_ip": "10.9.0.1", "dst_port": "22", "bidirectional_packets": "2",
                                "src_mac": "02:00:00:00:50:01",
                            ]),
                        .flow(["src_port": "9000"], has: ["ip_version": "6", "src_ip": "2001:db8:9::1"]),
                        .flow(["src_port": "5000"], has: ["src_ip": "192.168.20.1", "src_mac": "02:00:00:00:52:01"]),
                    ],
                    deviations: [
                        FixtureDeviation(
                            readmeRow: 5,
                            summary: "GRE decapsulated (tunnel_id 6); NFStream gives the outer protocol-47 flow",
                            flows: [["tunnel_id": "6"], ["protocol": "47"]])
                    ]),
                FixtureRun(
                    suffix: "-no-tunnels", options: ["--no-tunnels"],
                    facts: [
                        .flowCount(1),
                        .noColumn("tunnel_id"),
                        .flow(
                            ["protocol": "47"],
                            has: [
                                "src_ip": "172.16.1.1", "src_port": "0", "dst_port": "0", "bidirectional_packets": "4",
                            ]),
                    ]),
            ])
    }()

    /// IP-in-IP, always stripped (tunnel id 0, inner addresses): 4in4, 6in4, 4in6 and 6in6.
    static let ipInIP: Fixture = {
        let o1 = Host(ip: "198.51.100.1", mac: "02:00:00:00:60:01")
        let o2 = Host(ip: "198.51.100.2", mac: "02:00:00:00:60:02")
        let o61 = Host(ip: "2001:db8:ff::1", mac: o1.mac)
        let o62 = Host(ip: "2001:db8:ff::2", mac: o2.mac)
        let i1 = Host(ip: "10.1.0.1", mac: "")
        let i2 = Host(ip: "10.2.0.1", mac: "")
        let i61 = Host(ip: "2001:db8:6::1", mac: "")
        let i62 = Host(ip: "2001:db8:6::2", mac: "")
        let i3 = Host(ip: "10.3.0.1", mac: "")
        let i4 = Host(ip: "10.3.0.2", mac: "")
        let i63 = Host(ip: "2001:db8:7::1", mac: "")
        let i64 = Host(ip: "2001:db8:7::2", mac: "")
        func in4(_ x: Host, _ y: Host, _ proto: UInt8, _ inner: [UInt8]) -> [UInt8] {
            eth(x, y, B.ipv4(src: x.ip, dst: y.ip, protocol: proto, inner))
        }
        func in6(_ x: Host, _ y: Host, _ proto: UInt8, _ inner: [UInt8]) -> [UInt8] {
            eth(x, y, type: EtherType.ipv6, B.ipv6(src: x.ip, dst: y.ip, nextHeader: proto, inner))
        }
        let records = [
            at(0, in4(o1, o2, IPProtocol.ipv4, udp4(i1, 1000, i2, 2000, data: 50))),
            at(1, in4(o2, o1, IPProtocol.ipv4, udp4(i2, 2000, i1, 1000, data: 70))),
            at(2, in4(o1, o2, IPProtocol.ipv6, tcp6(i61, 40000, i62, 80, SYN))),
            at(3, in4(o2, o1, IPProtocol.ipv6, tcp6(i62, 80, i61, 40000, SYN | ACK, seq: 1, ack: 1001))),
            at(
                4,
                in6(
                    o61, o62, IPProtocol.ipv4,
                    B.ipv4(src: i3.ip, dst: i4.ip, protocol: IPProtocol.icmp, B.icmp(B.payload(16))))),
            at(5, in6(o61, o62, IPProtocol.ipv6, udp6(i63, 53, i64, 53, data: 12))),
        ]
        let facts: [FixtureFact] = [
            .flowCount(4),
            .flow(
                ["src_ip": "10.1.0.1"],
                has: [
                    "dst_ip": "10.2.0.1", "src_port": "1000", "bidirectional_packets": "2",
                    "src_mac": "02:00:00:00:60:01",
                ]),
            .flow(
                ["src_ip": "2001:db8:6::1"], has: ["ip_version": "6", "protocol": "6", "bidirectional_packets": "2"]),
            .flow(["src_ip": "10.3.0.1"], has: ["ip_version": "4", "protocol": "1"]),
            .flow(["src_ip": "2001:db8:7::1"], has: ["ip_version": "6", "protocol": "17"]),
            .noFlow(["src_ip": "198.51.100.1"]),
        ]
        return Fixture(
            name: "ip-in-ip", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(facts: facts + [.values("tunnel_id", ["0", "0", "0", "0"])]),
                // The IP size is the inner header's.
                FixtureRun(
                    suffix: "-accounting-mode-1", options: ["--accounting-mode", "1"],
                    facts: facts + [
                        .flow(["src_ip": "10.1.0.1"], has: ["src2dst_bytes": "78", "dst2src_bytes": "98"]),
                        .flow(["src_ip": "2001:db8:6::1"], has: ["bidirectional_bytes": "120"]),
                    ]),
                FixtureRun(suffix: "-no-tunnels", options: ["--no-tunnels"], facts: facts + [.noColumn("tunnel_id")]),
            ])
    }()

    /// Snaplen-cut frames: IPv4 TCP and UDP cut after their L4 headers (counted, sizes from the headers),
    /// IPv6 cut (ignored), and a 20-byte runt (ignored).
    static let truncatedFrames: Fixture = {
        let a = Host(ip: "10.0.0.1", mac: "02:00:00:00:70:01")
        let b = Host(ip: "10.0.0.2", mac: "02:00:00:00:70:02")
        let a6 = Host(ip: "2001:db8::1", mac: a.mac)
        let b6 = Host(ip: "2001:db8::2", mac: b.mac)
        let records = [
            at(0, eth(a, b, tcp4(a, 40000, b, 80, PSH | ACK, data: 1460)), caplen: 60),
            at(1, eth(b, a, tcp4(b, 80, a, 40000, ACK, seq: 1, ack: 2460))),
            at(2, eth(a, b, udp4(a, 5000, b, 6000, data: 1000)), caplen: 42),
            at(3, eth(a6, b6, type: EtherType.ipv6, tcp6(a6, 40001, b6, 80, PSH | ACK, data: 1000)), caplen: 60),
            at(4, eth(a, b, udp4(a, 7000, b, 8000, data: 10)), caplen: 20),
        ]
        let tcp = ["protocol": "6"]
        let udp = ["protocol": "17"]
        let common: [FixtureFact] = [
            .flowCount(2),
            .noFlow(["ip_version": "6"]),
            .noFlow(["src_port": "7000"]),
            .flow(tcp, has: ["src_port": "40000", "bidirectional_packets": "2", "src2dst_psh_packets": "1"]),
        ]
        return Fixture(
            name: "truncated-frames", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(
                    facts: common + [
                        .flow(tcp, has: ["src2dst_bytes": "1514", "dst2src_bytes": "60"]),
                        .flow(udp, has: ["src2dst_bytes": "1042"]),
                    ]),
                FixtureRun(
                    suffix: "-accounting-mode-1", options: ["--accounting-mode", "1"],
                    facts: common + [
                        .flow(tcp, has: ["src2dst_bytes": "1500", "dst2src_bytes": "40"]),
                        .flow(udp, has: ["src2dst_bytes": "1028"]),
                    ]),
                FixtureRun(
                    suffix: "-accounting-mode-3", options: ["--accounting-mode", "3"],
                    facts: common + [
                        .flow(tcp, has: ["src2dst_bytes": "1460", "dst2src_bytes": "0"]),
                        .flow(udp, has: ["src2dst_bytes": "1000"]),
                    ]),
            ])
    }()

    /// Packets stamped earlier than the latest one are counted at the latest time; sub-millisecond parts
    /// are truncated.
    static let timeBackwards: Fixture = {
        let a = Host(ip: "10.0.0.1", mac: "02:00:00:00:80:01")
        let b = Host(ip: "10.0.0.2", mac: "02:00:00:00:80:02")
        let c = Host(ip: "10.0.0.3", mac: "02:00:00:00:80:03")
        let d = Host(ip: "10.0.0.4", mac: "02:00:00:00:80:04")
        let records = [
            at(1000, us: 999, eth(a, b, udp4(a, 7000, b, 7001, data: 10))),
            at(1500, us: 400, eth(b, a, udp4(b, 7001, a, 7000, data: 10))),
            at(1200, eth(a, b, udp4(a, 7000, b, 7001, data: 10))),  // 300 ms back: counted at 1500
            at(1100, eth(c, d, udp4(c, 8000, d, 8001, data: 10))),  // a new flow, back in time: starts at 1500
            at(2000, eth(b, a, udp4(b, 7001, a, 7000, data: 10))),
            at(2500, eth(d, c, udp4(d, 8001, c, 8000, data: 10))),
            at(900, eth(c, d, udp4(c, 8000, d, 8001, data: 10))),  // far back: counted at 2500
        ]
        return Fixture(
            name: "time-backwards", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(facts: [
                    .flowCount(2),
                    .flow(
                        ["src_port": "7000"],
                        has: [
                            "bidirectional_first_seen_ms": ms(1000), "bidirectional_last_seen_ms": ms(2000),
                            "src2dst_last_seen_ms": ms(1500), "src2dst_duration_ms": "500",
                            "bidirectional_min_piat_ms": "0", "splt_piat_ms": "[0, 500, 0, 500, -1]",
                        ]),
                    .flow(
                        ["src_port": "8000"],
                        has: [
                            "bidirectional_first_seen_ms": ms(1500), "bidirectional_last_seen_ms": ms(2500),
                            "src2dst_last_seen_ms": ms(2500), "splt_piat_ms": "[0, 1000, 0, -1, -1]",
                        ]),
                ])
            ])
    }()

    /// With an idle timeout of 1 s and an active timeout of 5 s: a flow whose second packet comes exactly
    /// 1 s after its first (idle expiry at the boundary, the packet starts a new flow), a flow with a packet
    /// every 500 ms (active expiry at exactly 5 s), and a one-packet flow expired by the idle scan.
    static let timeouts: Fixture = {
        let a = Host(ip: "10.0.0.1", mac: "02:00:00:00:90:01")
        let b = Host(ip: "10.0.0.2", mac: "02:00:00:00:90:02")
        let c = Host(ip: "10.0.0.3", mac: "02:00:00:00:90:03")
        let d = Host(ip: "10.0.0.4", mac: "02:00:00:00:90:04")
        let e = Host(ip: "10.0.0.5", mac: "02:00:00:00:90:05")
        let f = Host(ip: "10.0.0.6", mac: "02:00:00:00:90:06")
        var records: [FixtureRecord] = []
        for i in 0...12 {
            let t = 250 + 500 * i
            records.append(
                at(
                    t,
                    i % 2 == 0
                        ? eth(c, d, udp4(c, 3000, d, 4000, data: 20)) : eth(d, c, udp4(d, 4000, c, 3000, data: 40))))
        }
        records.append(at(0, eth(a, b, udp4(a, 1000, b, 2000, data: 10))))
        records.append(at(1000, eth(a, b, udp4(a, 1000, b, 2000, data: 11))))
        records.append(at(1999, eth(b, a, udp4(b, 2000, a, 1000, data: 12))))
        records.append(at(1500, eth(e, f, tcp4(e, 5000, f, 80, SYN))))
        records.sort { ($0.seconds, $0.microseconds) < ($1.seconds, $1.microseconds) }
        return Fixture(
            name: "timeouts", linkType: .ethernet, records: records,
            runs: [
                FixtureRun(
                    suffix: "", options: ["--idle-timeout", "1", "--active-timeout", "5"],
                    facts: [
                        .flowCount(5),
                        .values("expiration_id", ["0", "0", "0", "0", "1"]),
                        .flow(
                            ["src_port": "1000", "bidirectional_first_seen_ms": ms(0)],
                            has: ["bidirectional_packets": "1", "expiration_id": "0"]),
                        .flow(
                            ["src_port": "1000", "bidirectional_first_seen_ms": ms(1000)],
                            has: ["bidirectional_packets": "2", "bidirectional_last_seen_ms": ms(1999)]),
                        .flow(
                            ["src_port": "3000", "expiration_id": "1"],
                            has: [
                                "bidirectional_packets": "10", "bidirectional_first_seen_ms": ms(250),
                                "bidirectional_last_seen_ms": ms(4750),
                            ]),
                        .flow(
                            ["src_port": "3000", "expiration_id": "0"],
                            has: ["bidirectional_packets": "3", "bidirectional_first_seen_ms": ms(5250)]),
                        .flow(["src_port": "5000"], has: ["bidirectional_packets": "1", "expiration_id": "0"]),
                    ])
            ])
    }()

    // MARK: Link types

    /// The packets of a small exchange for a cooked capture: IPv4 TCP handshake, IPv6 UDP pair, and an ARP
    /// frame (ignored). `wrap(outgoing, protocol, packet)` adds the link header.
    private static func cookedRecords(_ wrap: (Bool, UInt16, [UInt8]) -> [UInt8]) -> [FixtureRecord] {
        let a = Host(ip: "10.0.0.1", mac: "")
        let b = Host(ip: "10.0.0.2", mac: "")
        let a6 = Host(ip: "fe80::1", mac: "")
        let b6 = Host(ip: "fe80::2", mac: "")
        // Request, Ethernet/IPv4, who has 10.0.0.2 tell 10.0.0.1.
        let sender = B.macBytes("02:00:00:00:a0:01")
        let arp: [UInt8] = [0, 1, 8, 0, 6, 4, 0, 1] + sender + [10, 0, 0, 1] + [0, 0, 0, 0, 0, 0] + [10, 0, 0, 2]
        return [
            at(0, wrap(true, EtherType.ipv4, tcp4(a, 40000, b, 80, SYN, options: B.synOptions))),
            at(
                1,
                wrap(
                    false, EtherType.ipv4,
                    tcp4(b, 80, a, 40000, SYN | ACK, seq: 1, ack: 1001, options: B.synOptions))),
            at(2, wrap(true, EtherType.ipv4, tcp4(a, 40000, b, 80, ACK, seq: 1001, ack: 2))),
            at(3, wrap(true, EtherType.arp, arp)),
            at(4, wrap(true, EtherType.ipv6, udp6(a6, 546, b6, 547, data: 40))),
            at(6, wrap(false, EtherType.ipv6, udp6(b6, 547, a6, 546, data: 80))),
        ]
    }

    /// The facts of `cookedRecords` behind a link header of `header` bytes.
    private static func cookedFacts(header: Int) -> [FixtureFact] {
        [
            .flowCount(2),
            .values("src_mac", [zeroMAC, zeroMAC]),
            .values("dst_mac", [zeroMAC, zeroMAC]),
            .flow(
                ["protocol": "6"],
                has: ["src_ip": "10.0.0.1", "bidirectional_packets": "3", "src2dst_bytes": String(100 + 2 * header)]),
            .flow(
                ["protocol": "17"],
                has: ["src_ip": "fe80::1", "ip_version": "6", "bidirectional_bytes": String(216 + 2 * header)]),
        ]
    }

    /// Linux cooked capture v1 (link type 113).
    static let linuxSLL = Fixture(
        name: "linux-sll", linkType: .linuxSLL,
        records: cookedRecords { out, proto, p in
            B.linuxSLL(
                packetType: out ? 4 : 0, address: out ? "02:00:00:00:a0:01" : "02:00:00:00:a0:02", protocol: proto, p)
        },
        runs: [FixtureRun(facts: cookedFacts(header: 16))])

    /// Linux cooked capture v2 (link type 276, what `tcpdump -i any` writes).
    static let linuxSLL2 = Fixture(
        name: "linux-sll2", linkType: .linuxSLL2,
        records: cookedRecords { out, proto, p in
            B.linuxSLL2(
                protocol: proto, interfaceIndex: 2, packetType: out ? 4 : 0,
                address: out ? "02:00:00:00:a0:01" : "02:00:00:00:a0:02", p)
        },
        runs: [
            FixtureRun(
                facts: cookedFacts(header: 20),
                deviations: [
                    FixtureDeviation(
                        readmeRow: 4, summary: "Linux cooked v2 (SLL2) decoded; NFStream ignores the link type")
                ])
        ])

    /// Raw IP (link type 101) with IPv4 and IPv6, and a 24-byte IPv4 packet (under 28 bytes: ignored).
    static let rawIP: Fixture = {
        let a = Host(ip: "192.0.2.1", mac: "")
        let b = Host(ip: "192.0.2.2", mac: "")
        let a6 = Host(ip: "2001:db8::a", mac: "")
        let b6 = Host(ip: "2001:db8::b", mac: "")
        let records = [
            at(0, udp4(a, 4500, b, 4500, data: 100)),
            at(1, udp4(b, 4500, a, 4500, data: 120)),
            at(2, tcp6(a6, 40000, b6, 443, SYN)),
            at(3, tcp6(b6, 443, a6, 40000, RST | ACK, seq: 0, ack: 1001)),
            at(4, B.ipv4(src: "192.0.2.7", dst: "192.0.2.8", protocol: IPProtocol.icmp, [11, 0, 0, 0])),
        ]
        return Fixture(
            name: "raw-ip", linkType: .rawLinktype, records: records,
            runs: [
                FixtureRun(facts: [
                    .flowCount(2),
                    .values("src_mac", [zeroMAC, zeroMAC]),
                    .flow(
                        ["protocol": "17"],
                        has: ["src_ip": "192.0.2.1", "src2dst_bytes": "128", "dst2src_bytes": "148"]),
                    .flow(
                        ["protocol": "6"],
                        has: ["src_ip": "2001:db8::a", "ip_version": "6", "bidirectional_rst_packets": "1"]),
                    .noFlow(["src_ip": "192.0.2.7"]),
                ])
            ])
    }()

    /// BSD loopback (link type 0, little-endian family): IPv4 (family 2) and IPv6 (families 24 and 30), and a
    /// non-first IPv4 fragment (ignored by flowmeter; NFStream reads it as a packet).
    static let nullLoopback: Fixture = {
        let lo = Host(ip: "127.0.0.1", mac: "")
        let lo6 = Host(ip: "::1", mac: "")
        let records = [
            at(0, B.null(family: 2, tcp4(lo, 50000, lo, 8080, SYN, options: B.synOptions))),
            at(1, B.null(family: 2, tcp4(lo, 8080, lo, 50000, SYN | ACK, seq: 1, ack: 1001, options: B.synOptions))),
            at(2, B.null(family: 2, tcp4(lo, 50000, lo, 8080, ACK, seq: 1001, ack: 2))),
            at(3, B.null(family: 30, udp6(lo6, 5353, lo6, 5354, data: 30))),
            at(4, B.null(family: 24, udp6(lo6, 5354, lo6, 5353, data: 30))),
            at(
                5,
                B.null(
                    family: 2,
                    B.ipv4(
                        src: "127.0.0.2", dst: "127.0.0.3", protocol: IPProtocol.udp, fragmentOffset: 185,
                        B.payload(100)))),
        ]
        return Fixture(
            name: "null-loopback", linkType: .null, records: records,
            runs: [
                FixtureRun(
                    facts: [
                        .flowCount(2),
                        .flow(
                            ["protocol": "6"],
                            has: [
                                "src_ip": "127.0.0.1", "src_port": "50000", "src2dst_packets": "2",
                                "dst2src_packets": "1",
                                "bidirectional_bytes": "172", "src_mac": zeroMAC,
                            ]),
                        .flow(
                            ["protocol": "17"],
                            has: ["src_ip": "::1", "src_port": "5353", "src2dst_packets": "1", "dst2src_packets": "1"]),
                        .noFlow(["src_ip": "127.0.0.2"]),
                    ],
                    deviations: [
                        FixtureDeviation(
                            readmeRow: 7,
                            summary:
                                "non-first IPv4 fragment in a little-endian NULL capture: dropped; NFStream reads it",
                            flows: [["src_ip": "127.0.0.2"]])
                    ])
            ])
    }()
}

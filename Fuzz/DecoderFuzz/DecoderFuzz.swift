// libFuzzer harness for the packet decoder (FlowPacket.PacketDecoder), every supported link type, tunnels on
// and off. Built by scripts/fuzz.sh (swiftc -sanitize=fuzzer,address, compiled against Sources/FlowPacket).
//
// Input layout (made by FuzzSeeds from the project's fixtures; any bytes are valid input):
//   byte 0      link type selector: index into `fuzzLinkTypes` (Fuzz/Common, modulo its count)
//   byte 1      options: bit 0 = do NOT decode tunnels; bits 1-7 = extra wire length (wire = caplen + 16 * bits)
//   byte 2...   the captured frame
//
// Besides "no crash, no ASan report", the harness checks what the decoder promises its callers:
//   - the outcome of a decoded packet has IP version 4 or 6, offsets inside [0, 65535 + caplen], the
//     captured length equal to the frame's, and sizes consistent with the accounting rules;
//   - decoding is a pure function (the same frame decodes the same way twice, into a dirty packet too);
//   - a frame decoded with tunnels off never reports a tunnel;
//   - address text is glibc's inet_ntop text, byte for byte (what the CSV writes).

import FlowPacket

#if canImport(Glibc)
import Glibc
#endif

@inline(never)
func fuzzFailure(_ message: String) -> Never {
    fputs("DecoderFuzz invariant violated: \(message)\n", stderr)
    abort()
}

func same(_ a: DecodedPacket, _ b: DecodedPacket) -> Bool {
    a.sourceMAC == b.sourceMAC && a.destinationMAC == b.destinationMAC && a.source == b.source
        && a.destination == b.destination && a.sourcePort == b.sourcePort && a.destinationPort == b.destinationPort
        && a.ipProtocol == b.ipProtocol && a.ipVersion == b.ipVersion && a.vlanID == b.vlanID
        && a.tunnelID == b.tunnelID && a.tcpFlags == b.tcpFlags && a.tcpWindow == b.tcpWindow
        && a.rawSize == b.rawSize && a.ipSize == b.ipSize && a.transportSize == b.transportSize
        && a.payloadSize == b.payloadSize && a.ipOffset == b.ipOffset && a.payloadOffset == b.payloadOffset
        && a.capturedLength == b.capturedLength
}

/// glibc's text for an address (the reference the CSV must match).
func glibcText(_ address: IPAddress) -> [UInt8] {
    var raw = [UInt8](repeating: 0, count: 16)
    for i in 0..<8 {
        raw[i] = UInt8(truncatingIfNeeded: address.high >> UInt64(56 - 8 * i))
        raw[8 + i] = UInt8(truncatingIfNeeded: address.low >> UInt64(56 - 8 * i))
    }
    var text = [CChar](repeating: 0, count: 64)
    let ok: Bool = raw.withUnsafeBytes { r in
        if address.version == 4 {
            return inet_ntop(AF_INET, r.baseAddress! + 12, &text, 64) != nil
        }
        return inet_ntop(AF_INET6, r.baseAddress!, &text, 64) != nil
    }
    if !ok { fuzzFailure("inet_ntop failed") }
    return text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
}

func checkAddressText(_ address: IPAddress) {
    var ours: [UInt8] = []
    address.write(into: &ours)
    let reference = glibcText(address)
    if ours != reference {
        fuzzFailure(
            "address text \(String(decoding: ours, as: UTF8.self)) != inet_ntop \(String(decoding: reference, as: UTF8.self))"
        )
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func decoderFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 2 else { return 0 }
    let linkType = fuzzLinkTypes[Int(data[0]) % fuzzLinkTypes.count]
    let decodeTunnels = data[1] & 1 == 0
    let frame = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let wireLength = UInt32(frame.count) + UInt32(data[1] >> 1) * 16
    let decoder = PacketDecoder(linkType: linkType, decodeTunnels: decodeTunnels)

    var packet = DecodedPacket()
    let outcome = decoder.decode(frame, wireLength: wireLength, into: &packet)

    // A pure function: the same frame decodes the same way into a packet that holds another frame's fields.
    var dirty = DecodedPacket()
    dirty.source = IPAddress(high: ~0, low: ~0, version: 6)
    dirty.sourcePort = 0xBEEF
    dirty.tunnelID = 0xEE
    dirty.ipOffset = -7
    let again = decoder.decode(frame, wireLength: wireLength, into: &dirty)
    if again != outcome { fuzzFailure("decoding twice gave \(outcome) then \(again)") }

    if !linkType.isSupported && outcome != .unsupportedLinkType && outcome != .truncated {
        fuzzFailure("unsupported link type \(linkType) decoded as \(outcome)")
    }
    guard outcome == .decoded else { return 0 }
    if !same(packet, dirty) { fuzzFailure("decoding into a used packet gave different fields") }

    let caplen = frame.count
    if packet.ipVersion != 4 && packet.ipVersion != 6 { fuzzFailure("ipVersion \(packet.ipVersion)") }
    if packet.source.version != packet.ipVersion || packet.destination.version != packet.ipVersion {
        fuzzFailure("address versions \(packet.source.version)/\(packet.destination.version) for IPv\(packet.ipVersion)")
    }
    if Int(packet.capturedLength) != caplen { fuzzFailure("capturedLength \(packet.capturedLength) != \(caplen)") }
    if packet.ipOffset < 0 || Int(packet.ipOffset) > caplen {
        fuzzFailure("ipOffset \(packet.ipOffset) outside the \(caplen) captured bytes")
    }
    if packet.payloadOffset < packet.ipOffset { fuzzFailure("payloadOffset \(packet.payloadOffset) < ipOffset \(packet.ipOffset)") }
    if !decodeTunnels && packet.tunnelID != 0 { fuzzFailure("tunnel \(packet.tunnelID) reported with tunnels off") }
    if packet.rawSize != UInt16(truncatingIfNeeded: wireLength) { fuzzFailure("rawSize \(packet.rawSize)") }
    if packet.payloadSize > packet.transportSize { fuzzFailure("payload \(packet.payloadSize) > transport \(packet.transportSize)") }
    switch packet.ipProtocol {
    case 6, 17, 1, 58: break
    default:
        if packet.transportSize != 0 || packet.payloadSize != 0 { fuzzFailure("L4 sizes for protocol \(packet.ipProtocol)") }
    }
    if packet.ipProtocol != 6 && packet.ipProtocol != 17 && (packet.sourcePort != 0 || packet.destinationPort != 0) {
        fuzzFailure("ports for protocol \(packet.ipProtocol)")
    }
    if packet.ipProtocol != 6 && (packet.tcpFlags != 0 || packet.tcpWindow != 0) { fuzzFailure("TCP fields for protocol \(packet.ipProtocol)") }

    // What a plugin sees: the IP packet and payload slices must stay inside the frame.
    let ipStart = min(Int(packet.ipOffset), caplen)
    let payloadStart = min(Int(packet.payloadOffset), caplen)
    let payloadEnd = min(caplen, payloadStart + Int(packet.payloadSize))
    var checksum: UInt8 = 0
    for b in UnsafeRawBufferPointer(rebasing: frame[ipStart...]) { checksum &+= b }
    for b in UnsafeRawBufferPointer(rebasing: frame[payloadStart..<payloadEnd]) { checksum &+= b }
    withExtendedLifetime(checksum) {}

    checkAddressText(packet.source)
    checkAddressText(packet.destination)
    var mac: [UInt8] = []
    packet.sourceMAC.write(into: &mac)
    packet.destinationMAC.write(into: &mac, ouiOnly: true)
    if mac.count != 17 + 8 { fuzzFailure("MAC text of \(mac.count) bytes") }
    return 0
}

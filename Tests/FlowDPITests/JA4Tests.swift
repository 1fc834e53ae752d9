import FlowTestSupport
import Testing

@testable import FlowDPI

/// TLS ClientHello bytes for the tests, built field by field.
enum Hello {
    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func be24(_ v: Int) -> [UInt8] { [UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    static func ext(_ type: Int, _ data: [UInt8]) -> [UInt8] { be16(type) + be16(data.count) + data }
    static func sni(_ name: String) -> [UInt8] {
        let n = Array(name.utf8)
        return ext(0x0000, be16(n.count + 3) + [0] + be16(n.count) + n)
    }
    static func alpn(_ names: [String]) -> [UInt8] {
        let list = names.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
        return ext(0x0010, be16(list.count) + list)
    }
    static func u16List(_ type: Int, _ values: [Int]) -> [UInt8] {
        let list = values.flatMap(be16)
        return ext(type, be16(list.count) + list)
    }
    static func supportedVersions(_ values: [Int]) -> [UInt8] {
        let list = values.flatMap(be16)
        return ext(0x002b, [UInt8(list.count)] + list)
    }

    /// The handshake message (4-byte header, then the ClientHello body).
    static func clientHello(version: Int = 0x0303, ciphers: [Int], extensions: [[UInt8]]) -> [UInt8] {
        var body = be16(version) + [UInt8](repeating: 0x42, count: 32)  // random
        body += [32] + [UInt8](repeating: 0x17, count: 32)  // session id
        body += be16(ciphers.count * 2) + ciphers.flatMap(be16)
        body += [1, 0]  // compression: null
        let e = extensions.flatMap { $0 }
        body += be16(e.count) + e
        return [1] + be24(body.count) + body
    }

    /// A TLS 1.3-style hello with GREASE, SNI www.example.org, ALPN h2 + http/1.1 and three signature algorithms.
    static var modern: [UInt8] { modern(serverName: "www.example.org") }

    /// `modern` with another server name.
    static func modern(serverName: String) -> [UInt8] {
        clientHello(
            ciphers: [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0x009c],
            extensions: [
                ext(0x1a1a, []), sni(serverName), ext(0x0017, []), alpn(["h2", "http/1.1"]),
                u16List(0x000d, [0x0403, 0x0804, 0x0401]), supportedVersions([0x2a2a, 0x0304, 0x0303]),
                u16List(0x000a, [0x001d, 0x0017]), ext(0x0033, [0, 4, 0, 0x1d, 0, 0]), ext(0xff01, [0]),
            ])
    }

    /// The handshake message in one TLS record.
    static func record(_ handshake: [UInt8]) -> [UInt8] { [0x16, 0x03, 0x01] + be16(handshake.count) + handshake }
}

@Suite struct JA4Tests {
    // Expected values were computed from the specification's strings with an independent SHA-256 (Python's
    // hashlib): sha256("009c,1301,1302,1303,c02b,c02f") and sha256("000a,000d,0017,002b,0033,ff01_0403,0804,0401").
    @Test func modernHelloGivesTheSpecificationsFingerprint() {
        #expect(JA4.fingerprint(handshake: Hello.modern) == "t13d0608h2_db2546af4a66_29b745d5ce58")
    }

    @Test func tls12HelloWithAnAddressAsServerNameCountsAsNoName() {
        let hello = Hello.clientHello(
            ciphers: [0xc02f, 0x0035], extensions: [Hello.sni("192.0.2.7"), Hello.ext(0x000b, [1, 0])])
        // No supported_versions: the hello's own version (1.2); no ALPN: "00"; no signature algorithms: no "_" part.
        #expect(JA4.fingerprint(handshake: hello) == "t12i020200_1584f0a67932_bcb145a8c2a7")
    }

    @Test func alpnValueThatIsNotAlphanumericIsWrittenAsHexEnds() {
        #expect(JA4.alpnCode([0x01, 0xff][...]) == "0f")
        #expect(JA4.alpnCode(Array("h2".utf8)[...]) == "h2")
        #expect(JA4.alpnCode(nil) == "00")
    }

    @Test func greaseValuesAreRecognised() {
        #expect(JA4.isGREASE(0x0a0a) && JA4.isGREASE(0xfafa) && JA4.isGREASE(0x3a3a))
        #expect(!JA4.isGREASE(0x0a1a) && !JA4.isGREASE(0x1301))
    }

    @Test func truncatedHelloGivesNoFingerprint() {
        let hello = Hello.modern
        #expect(JA4.fingerprint(handshake: hello.dropLast(10)) == nil)
        #expect(JA4.fingerprint(handshake: [2] + hello.dropFirst()) == nil)  // a ServerHello
    }

    @Test func sha256MatchesTheStandardsTestVectors() {
        #expect(QUICCrypto.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(QUICCrypto.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            QUICCrypto.sha256Hex(String(repeating: "a", count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func helloSplitOverSegmentsAndRecordsIsAssembled() {
        let message = Hello.modern
        // Two TLS records (the message cut at byte 100), sent as three TCP segments cut elsewhere.
        let records = Hello.record(Array(message[0..<100])) + Hello.record(Array(message[100...]))
        let cuts = [0, 7, 150, records.count]
        var assembler = ClientHelloAssembler()
        var result: String? = nil
        var sequence: UInt32 = 5000
        for i in 0..<3 {
            let segment = Array(records[cuts[i]..<cuts[i + 1]])
            segment.withUnsafeBytes { result = assembler.add(segment: $0, sequence: sequence) ?? result }
            if i == 0 {  // a retransmission of the first segment changes nothing
                segment.withUnsafeBytes { #expect(assembler.add(segment: $0, sequence: sequence) == nil) }
            }
            if i < 2 { #expect(result == nil) }
            sequence += UInt32(segment.count)
        }
        #expect(result == "t13d0608h2_db2546af4a66_29b745d5ce58")
    }

    @Test func gapInTheSegmentsGivesNoFingerprint() {
        let records = Hello.record(Hello.modern)
        var assembler = ClientHelloAssembler()
        let first = Array(records[0..<50])
        let third = Array(records[80...])
        first.withUnsafeBytes { #expect(assembler.add(segment: $0, sequence: 1) == nil) }
        third.withUnsafeBytes { #expect(assembler.add(segment: $0, sequence: 81) == nil) }
        #expect(!assembler.isCollecting)
    }

    @Test func hostileBytesNeverTrapTheParsers() {
        var rng = SplitMix64(seed: 6)
        let valid = Hello.record(Hello.modern)
        for round in 0..<3000 {
            // A real hello with random bytes overwritten, cut at a random point, or plain noise behind a hello header.
            var bytes = valid
            switch round % 3 {
            case 0:
                for _ in 0..<(1 + Int(rng.next() % 8)) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 1:
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            default:
                bytes = [0x16, 0x03, 0x01, UInt8(truncatingIfNeeded: rng.next()), UInt8(truncatingIfNeeded: rng.next()), 0x01]
                    + (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            var assembler = ClientHelloAssembler()
            let cut = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
            var result: String? = nil
            Array(bytes[..<cut]).withUnsafeBytes { result = assembler.add(segment: $0, sequence: 1) }
            Array(bytes[cut...]).withUnsafeBytes { result = assembler.add(segment: $0, sequence: 1 &+ UInt32(cut)) ?? result }
            if let result { #expect(result.hasPrefix("t") && result.count == 36, "\(result)") }
            if bytes.count > 5 { _ = JA4.fingerprint(handshake: bytes.dropFirst(5)) }
            bytes.withUnsafeBytes { _ = JA4.fingerprint(dtlsDatagram: $0) }
        }
    }

    @Test func dtlsHelloIsFingerprintedWithD() {
        // DTLS 1.2 hello: version 0xfefd, empty cookie; record and handshake headers around the body.
        var body = Hello.be16(0xfefd) + [UInt8](repeating: 1, count: 32) + [0] + [0]  // random, session, cookie
        body += Hello.be16(4) + Hello.be16(0xc02b) + Hello.be16(0xc02f) + [1, 0]
        let e = Hello.sni("example.net") + Hello.supportedVersions([0xfefd])
        body += Hello.be16(e.count) + e
        let handshake = [1] + Hello.be24(body.count) + [0, 0] + Hello.be24(0) + Hello.be24(body.count) + body
        let datagram = [0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0] + Hello.be16(handshake.count) + handshake
        let expected = "dd2d0202" + "00_" + String(QUICCrypto.sha256Hex("c02b,c02f").prefix(12)) + "_"
            + String(QUICCrypto.sha256Hex("002b").prefix(12))
        datagram.withUnsafeBytes { #expect(JA4.fingerprint(dtlsDatagram: $0) == expected) }
    }
}

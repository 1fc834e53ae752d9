import Crypto
import FlowTestSupport
import Testing

@testable import FlowDPI

func hex(_ text: String) -> [UInt8] { QUICInitial.hexBytes(text) }
func hexText(_ bytes: some Collection<UInt8>) -> String { QUICCrypto.hex(bytes) }

/// Client Initial packets for the tests, protected as RFC 9001 §5 says (the sealing half of what QUICInitial opens,
/// written here from the RFC so that the reader is checked against an independent writer).
enum QUICPacket {
    static func varint(_ v: Int) -> [UInt8] {
        if v < 64 { return [UInt8(v)] }
        if v < 16384 { return [UInt8(0x40 | v >> 8), UInt8(v & 0xff)] }
        return [UInt8(0x80 | v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
    }

    static func crypto(offset: Int, _ bytes: some Collection<UInt8>) -> [UInt8] {
        [0x06] + varint(offset) + varint(bytes.count) + Array(bytes)
    }

    /// AES-128-GCM sealing (swift-crypto): ciphertext and tag.
    static func seal(key: [UInt8], nonce: [UInt8], aad: [UInt8], plaintext: [UInt8]) -> [UInt8] {
        let box = try! AES.GCM.seal(
            plaintext, using: SymmetricKey(data: key), nonce: AES.GCM.Nonce(data: nonce), authenticating: aad)
        return Array(box.ciphertext) + Array(box.tag)
    }

    /// A protected client Initial datagram carrying `frames`, padded with PADDING frames to `datagramSize`.
    static func initial(
        version: UInt32 = 1, dcid: [UInt8] = hex("8394c8f03e515708"), packetNumber: UInt32 = 2,
        frames: [UInt8], datagramSize: Int = 1200
    ) -> [UInt8] {
        let v = QUICInitial.version(version)!
        let keys = QUICInitial.Keys(version: v, destinationConnectionID: dcid[...])
        let pnLength = 4
        let firstByte = 0xc0 | v.initialType << 4 | UInt8(pnLength - 1)
        let versionBytes = [UInt8(version >> 24), UInt8(version >> 16 & 0xff), UInt8(version >> 8 & 0xff), UInt8(version & 0xff)]
        let prefix = [firstByte] + versionBytes + [UInt8(dcid.count)] + dcid + [0] + [0]  // no SCID, no token
        // Header with a 2-byte length field, packet number, payload, 16-byte tag.
        let payloadSize = datagramSize - prefix.count - 2 - pnLength - 16
        let payload = frames + [UInt8](repeating: 0, count: max(0, payloadSize - frames.count))
        let length = pnLength + payload.count + 16
        let pn = [UInt8(packetNumber >> 24), UInt8(packetNumber >> 16 & 0xff), UInt8(packetNumber >> 8 & 0xff), UInt8(packetNumber & 0xff)]
        let header = prefix + [UInt8(0x40 | length >> 8), UInt8(length & 0xff)] + pn
        var nonce = keys.iv
        for i in 0..<4 { nonce[11 - i] ^= UInt8(packetNumber >> UInt32(8 * i) & 0xff) }
        var packet = header + seal(key: keys.packet, nonce: nonce, aad: header, plaintext: payload)
        // Header protection: the sample starts 4 bytes after the packet number's start.
        let pnOffset = header.count - pnLength
        let mask = QUICCrypto.encryptBlock(packet[(pnOffset + 4)..<(pnOffset + 20)], key: keys.headerProtection)
        packet[0] ^= mask[0] & 0x0f
        for i in 0..<pnLength { packet[pnOffset + i] ^= mask[1 + i] }
        return packet
    }

    static func add(_ datagram: [UInt8], to assembler: inout QUICHelloAssembler) -> String? {
        datagram.withUnsafeBytes { assembler.add(datagram: $0) }
    }
}

@Suite struct QUICInitialTests {
    @Test func aesBlockMatchesFIPS197() {
        let block = QUICCrypto.encryptBlock(hex("00112233445566778899aabbccddeeff"), key: hex("000102030405060708090a0b0c0d0e0f"))
        #expect(hexText(block) == "69c4e0d86a7b0430d8cdb78070b4c55a")
    }

    // The GCM specification's test cases 1 and 2 (zero key, zero nonce).
    @Test func gcmOpensTheSpecificationsTestCasesAndRejectsABadTag() {
        let key = [UInt8](repeating: 0, count: 16)
        let nonce = [UInt8](repeating: 0, count: 12)
        #expect(QUICCrypto.openGCM(key: key, nonce: nonce, additionalData: [], ciphertext: [], tag: hex("58e2fccefa7e3061367f1d57a4e7455a")[...]) == [])
        let opened = QUICCrypto.openGCM(
            key: key, nonce: nonce, additionalData: [], ciphertext: hex("0388dace60b6a392f328c2b971b2fe78")[...],
            tag: hex("ab6e47d42cec13bdf53a67b21257bddf")[...])
        #expect(opened == [UInt8](repeating: 0, count: 16))
        #expect(QUICCrypto.openGCM(
            key: key, nonce: nonce, additionalData: [], ciphertext: hex("0388dace60b6a392f328c2b971b2fe78")[...],
            tag: hex("ab6e47d42cec13bdf53a67b21257bdde")[...]) == nil)
        #expect(QUICCrypto.openGCM(
            key: key, nonce: nonce, additionalData: [1], ciphertext: hex("0388dace60b6a392f328c2b971b2fe78")[...],
            tag: hex("ab6e47d42cec13bdf53a67b21257bddf")[...]) == nil)
        #expect(QUICCrypto.openGCM(key: [1, 2], nonce: nonce, additionalData: [], ciphertext: [], tag: [0][...]) == nil)
    }

    // RFC 5869, test case 1.
    @Test func hkdfMatchesRFC5869() {
        let prk = QUICCrypto.extract(salt: hex("000102030405060708090a0b0c"), inputKeyingMaterial: [UInt8](repeating: 0x0b, count: 22))
        #expect(hexText(prk) == "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
        let okm = QUICCrypto.expand(pseudorandomKey: prk, info: hex("f0f1f2f3f4f5f6f7f8f9"), length: 42)
        #expect(hexText(okm) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    // RFC 9001, Appendix A.1 and A.2: the client's Initial keys for DCID 0x8394c8f03e515708, and its header mask.
    @Test func initialKeysMatchRFC9001() {
        let initial = QUICCrypto.extract(salt: hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), inputKeyingMaterial: hex("8394c8f03e515708"))
        let client = QUICCrypto.expandLabel(secret: initial, label: "client in", length: 32)
        #expect(hexText(client) == "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea")
        #expect(hexText(QUICCrypto.expandLabel(secret: client, label: "quic key", length: 16)) == "1f369613dd76d5467730efcbe3b1a22d")
        #expect(hexText(QUICCrypto.expandLabel(secret: client, label: "quic iv", length: 12)) == "fa044b2f42a3fd3b46fb255c")
        let hp = QUICCrypto.expandLabel(secret: client, label: "quic hp", length: 16)
        #expect(hexText(hp) == "9f50449e04a0e810283a1e9933adedd2")
        let mask = QUICCrypto.encryptBlock(hex("d1b1c98dd7689fb8ec11d242b123dc9b"), key: hp)
        #expect(hexText(mask.prefix(5)) == "437b9aec36")
    }

    @Test func helloInOneInitialGivesAQUICJA4() {
        var a = QUICHelloAssembler()
        let datagram = QUICPacket.initial(frames: QUICPacket.crypto(offset: 0, Hello.modern))
        #expect(datagram.count == 1200)
        let ja4 = QUICPacket.add(datagram, to: &a)
        #expect(ja4 == "q13d0608h2_db2546af4a66_29b745d5ce58")
        #expect(ja4 == JA4.fingerprint(handshake: Hello.modern, transport: "q"))
        #expect(!a.isCollecting)
    }

    @Test func helloSplitOverTwoInitialsWithFramesOutOfOrderIsAssembled() {
        let hello = Hello.modern
        let third = hello.count / 3
        // Chrome's "chaos protection": the first packet has the hello's second third before its first, with PING
        // and PADDING between; the last third comes in the next packet.
        let first = QUICPacket.crypto(offset: third, hello[third..<(2 * third)]) + [0x01, 0x00, 0x00]
            + QUICPacket.crypto(offset: 0, hello[0..<third])
        let second = QUICPacket.crypto(offset: 2 * third, hello[(2 * third)...])
        for version: UInt32 in [1, 0x6b33_43cf, 0xff00_001d] {
            var a = QUICHelloAssembler()
            #expect(QUICPacket.add(QUICPacket.initial(version: version, frames: first), to: &a) == nil)
            #expect(a.isCollecting)
            let ja4 = QUICPacket.add(QUICPacket.initial(version: version, packetNumber: 3, frames: second), to: &a)
            #expect(ja4 == "q13d0608h2_db2546af4a66_29b745d5ce58", "version \(version)")
        }
    }

    @Test func initialsNDPIDoesNotReadGiveNoFingerprint() {
        let frames = QUICPacket.crypto(offset: 0, Hello.modern)
        // Shorter than 1,200 bytes: not a client Initial.
        var a = QUICHelloAssembler()
        #expect(QUICPacket.add(Array(QUICPacket.initial(frames: frames, datagramSize: 1300).prefix(1100)), to: &a) == nil)
        #expect(a.isCollecting)
        // An ACK frame: not the client's first flight, the packet is not read.
        #expect(QUICPacket.add(QUICPacket.initial(frames: [0x02, 0, 0, 0, 0] + frames), to: &a) == nil)
        // A damaged packet does not authenticate.
        var damaged = QUICPacket.initial(frames: frames)
        damaged[600] ^= 1
        #expect(QUICPacket.add(damaged, to: &a) == nil)
        // A hello past the 4,096-byte reassembly buffer.
        let big = Hello.clientHello(ciphers: [0x1301], extensions: [Hello.ext(0xfe0d, [UInt8](repeating: 7, count: 4200))])
        var b = QUICHelloAssembler()
        for (i, start) in stride(from: 0, to: big.count, by: 1000).enumerated() {
            let piece = big[start..<min(start + 1000, big.count)]
            #expect(QUICPacket.add(QUICPacket.initial(packetNumber: UInt32(i), frames: QUICPacket.crypto(offset: start, piece)), to: &b) == nil)
        }
        // Still waiting: the assembler never fingerprints a partial hello.
        #expect(b.isCollecting)
    }

    @Test func aFlowWhoseFirstDatagramIsNotALongHeaderIsLeftAtOnce() {
        var a = QUICHelloAssembler()
        #expect(QUICPacket.add([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00], to: &a) == nil)  // DNS
        #expect(!a.isCollecting)
        #expect(QUICPacket.add(QUICPacket.initial(frames: QUICPacket.crypto(offset: 0, Hello.modern)), to: &a) == nil)
    }

    @Test func hostileDatagramsNeverTrapTheReader() {
        var rng = SplitMix64(seed: 9001)
        let valid = QUICPacket.initial(frames: QUICPacket.crypto(offset: 0, Hello.modern))
        for round in 0..<300 {
            var d = valid
            if round % 3 == 0 {
                d = Array(d.prefix(Int(rng.next() % UInt64(d.count))))
            } else {
                // Damage the header (where lengths live) more often than the payload.
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let at = round % 3 == 1 ? Int(rng.next() % 30) : Int(rng.next() % UInt64(d.count))
                    d[at] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            var a = QUICHelloAssembler()
            _ = QUICPacket.add(d, to: &a)
            _ = QUICInitial.cryptoFrames(Array(d.suffix(64)))
        }
    }
}

extension QUICInitialTests {
    @Test func greasedVersionInitialIsNotOpenedButNoted() {
        var greased = QUICPacket.initial(frames: QUICPacket.crypto(offset: 0, Hello.modern))
        greased.replaceSubrange(1..<5, with: [0x1a, 0x2a, 0x3a, 0x4a])
        var a = QUICHelloAssembler()
        #expect(QUICPacket.add(greased, to: &a) == nil)
        #expect(a.isCollecting && a.sawOnlyGreasedInitials)
        // After version negotiation the client's next Initial, in a version nDPI reads, is read.
        #expect(QUICPacket.add(QUICPacket.initial(frames: QUICPacket.crypto(offset: 0, Hello.modern)), to: &a) != nil)
        #expect(!a.sawOnlyGreasedInitials)
    }
}

extension QUICInitialTests {
    /// Authentic packets whose decrypted frames are hostile: random bytes, and CRYPTO frames with random offsets and
    /// lengths (the part of the reader a fuzzer cannot reach through the GCM tag).
    @Test func hostileFramesInsideAuthenticPacketsNeverTrapTheReader() {
        var rng = SplitMix64(seed: 9369)
        let hello = Hello.modern
        for round in 0..<200 {
            var frames: [UInt8]
            if round % 2 == 0 {
                frames = (0..<Int(rng.next() % 1100)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                frames = []
                for _ in 0..<(1 + Int(rng.next() % 6)) {
                    let offset = Int(rng.next() % 5000)
                    let length = Int(rng.next() % 200)
                    let start = min(offset, hello.count)
                    let piece = Array(hello[start..<min(start + length, hello.count)])
                    frames += QUICPacket.crypto(offset: offset, piece + [UInt8](repeating: 0x41, count: max(0, length - piece.count)))
                }
            }
            var a = QUICHelloAssembler()
            for packetNumber in 0..<3 {
                _ = QUICPacket.add(QUICPacket.initial(packetNumber: UInt32(packetNumber), frames: Array(frames.prefix(1100))), to: &a)
            }
        }
    }
}

extension QUICInitialTests {
    @Test func assembledHelloGivesItsServerNameNormalisedAsNDPIStoresIt() {
        let hello = Hello.clientHello(
            ciphers: [0x1301], extensions: [Hello.sni("WWW.Example.ORG"), Hello.supportedVersions([0x0304])])
        var a = QUICHelloAssembler()
        #expect(a.serverName == "")
        let ja4 = QUICPacket.add(QUICPacket.initial(frames: QUICPacket.crypto(offset: 0, hello)), to: &a)
        #expect(ja4?.hasPrefix("q13d0102") == true)
        #expect(a.serverName == "www.example.org")
    }
}

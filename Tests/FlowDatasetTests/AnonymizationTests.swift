import FlowDataset
import FlowPacket
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct AnonymizationTests {
    /// The key of the sample shipped with the Crypto-PAn reference implementation.
    static let referenceKey: [UInt8] = [
        21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16, 216, 152, 143, 131, 121, 121, 101, 39,
        98, 87, 76, 45, 42, 132, 34, 2,
    ]

    static func address(_ text: String) -> IPAddress { IPAddress(text: text)! }

    @Test func cryptoPAnReproducesTheReferenceImplementationsSample() throws {
        let pan = try CryptoPAn(key: Self.referenceKey)
        // Pairs from the reference distribution's sample_trace_raw / sample_trace_sanitized.
        let pairs = [
            ("128.11.68.132", "135.242.180.132"), ("129.118.74.4", "134.136.186.123"),
            ("130.132.252.244", "133.68.164.234"), ("141.223.7.43", "141.167.8.160"),
            ("141.233.145.108", "141.129.237.235"), ("152.163.225.39", "151.140.114.167"),
            ("156.29.3.236", "147.225.12.42"), ("165.247.96.84", "162.9.99.234"),
            ("166.107.77.190", "160.132.178.185"), ("192.102.249.13", "252.138.62.131"),
            ("192.215.32.125", "252.43.47.189"), ("192.233.80.103", "252.25.108.8"),
            ("192.41.57.43", "252.222.221.184"), ("193.150.244.223", "253.169.52.216"),
            ("195.205.63.100", "255.186.223.5"), ("198.200.171.101", "249.199.68.213"),
            ("198.26.132.101", "249.36.123.202"), ("198.36.213.5", "249.7.21.132"),
            ("198.51.77.238", "249.18.186.254"), ("199.217.79.101", "248.38.184.213"),
            ("202.49.198.20", "245.206.7.234"), ("203.12.160.252", "244.248.163.4"),
            ("204.184.162.189", "243.192.77.90"), ("204.202.136.230", "243.178.4.198"),
            ("204.29.20.4", "243.33.20.123"), ("205.178.38.67", "242.108.198.51"),
            ("205.188.147.153", "242.96.16.101"), ("205.188.248.25", "242.96.88.27"),
            ("205.245.121.43", "242.21.121.163"), ("207.105.49.5", "241.118.205.138"),
            ("207.135.65.238", "241.202.129.222"), ("207.155.9.214", "241.220.250.22"),
            ("207.188.7.45", "241.255.249.220"), ("207.25.71.27", "241.33.119.156"),
            ("207.33.151.131", "241.1.233.131"), ("208.147.89.59", "227.237.98.191"),
            ("208.234.120.210", "227.154.67.17"), ("208.28.185.184", "227.39.94.90"),
            ("208.52.56.122", "227.8.63.165"), ("209.12.231.7", "226.243.167.8"),
            ("209.238.72.3", "226.6.119.243"), ("209.246.74.109", "226.22.124.76"),
            ("209.68.60.238", "226.184.220.233"), ("209.85.249.6", "226.170.70.6"),
            ("212.120.124.31", "228.135.163.231"), ("212.146.8.236", "228.19.4.234"),
            ("212.186.227.154", "228.59.98.98"), ("212.204.172.118", "228.71.195.169"),
            ("212.206.130.201", "228.69.242.193"), ("216.148.237.145", "235.84.194.111"),
            ("216.157.30.252", "235.89.31.26"), ("216.184.159.48", "235.96.225.78"),
            ("216.227.10.221", "235.28.253.36"), ("216.254.18.172", "235.7.16.162"),
            ("216.32.132.250", "235.192.139.38"), ("216.35.217.178", "235.195.157.81"),
            ("24.0.250.221", "100.15.198.226"), ("24.13.62.231", "100.2.192.247"),
            ("24.14.213.138", "100.1.42.141"), ("24.5.0.80", "100.9.15.210"), ("24.7.198.88", "100.10.6.25"),
            ("24.94.26.44", "100.88.228.35"), ("38.15.67.68", "64.3.66.187"), ("4.3.88.225", "124.60.155.63"),
            ("63.14.55.111", "95.9.215.7"), ("63.195.241.44", "95.179.238.44"), ("63.97.7.140", "95.97.9.123"),
            ("64.14.118.196", "0.255.183.58"), ("64.34.154.117", "0.221.154.117"), ("64.39.15.238", "0.219.7.41"),
        ]
        for (original, anonymised) in pairs {
            #expect(pan.anonymize(Self.address(original)) == Self.address(anonymised), "\(original)")
        }
    }

    @Test func ipv6UsesTheWhole128BitBlockAsOtherImplementationsDo() throws {
        let pan = try CryptoPAn(key: Self.referenceKey)
        // The 128-bit generalisation as Yawning Angel's Go implementation computes it.
        let pairs = [
            ("::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed"), ("::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef"),
            ("::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838"),
            ("2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e"),
            ("2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c"),
        ]
        for (original, anonymised) in pairs {
            #expect(pan.anonymize(Self.address(original)) == Self.address(anonymised), "\(original)")
        }
    }

    /// Leading bits two addresses share.
    static func commonPrefix(_ a: IPAddress, _ b: IPAddress) -> Int {
        if a.version == 4 {
            let x = UInt32(a.low ^ b.low)
            return x == 0 ? 32 : x.leadingZeroBitCount
        }
        if a.high != b.high { return (a.high ^ b.high).leadingZeroBitCount }
        return a.low == b.low ? 128 : 64 + (a.low ^ b.low).leadingZeroBitCount
    }

    @Test func addressesSharingAPrefixShareExactlyThatPrefixAfterwards() throws {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let pan = try CryptoPAn(key: key)
        for _ in 0..<300 {
            let a = IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &generator))
            let keep = Int.random(in: 0...32, using: &generator)
            let noise = UInt32.random(in: 0...UInt32.max, using: &generator)
            let mask: UInt32 = keep == 0 ? 0 : ~0 << UInt32(32 - keep)
            let b = IPAddress(v4: UInt32(a.low) & mask | noise & ~mask)
            #expect(Self.commonPrefix(pan.anonymize(a), pan.anonymize(b)) == Self.commonPrefix(a, b))
        }
        for _ in 0..<60 {
            let a = IPAddress(
                high: UInt64.random(in: 0...UInt64.max, using: &generator),
                low: UInt64.random(in: 0...UInt64.max, using: &generator), version: 6)
            let keep = Int.random(in: 0...128, using: &generator)
            var b = IPAddress(
                high: UInt64.random(in: 0...UInt64.max, using: &generator),
                low: UInt64.random(in: 0...UInt64.max, using: &generator), version: 6)
            if keep >= 64 {
                b.high = a.high
                let m: UInt64 = keep == 64 ? 0 : ~0 << UInt64(128 - keep)
                b.low = a.low & m | b.low & ~m
            } else {
                let m: UInt64 = keep == 0 ? 0 : ~0 << UInt64(64 - keep)
                b.high = a.high & m | b.high & ~m
            }
            #expect(Self.commonPrefix(pan.anonymize(a), pan.anonymize(b)) == Self.commonPrefix(a, b))
        }
    }

    @Test func macAddressesGetAKeyedHashMarkedLocalOrKeepTheirVendor() throws {
        let anonymizer = try Anonymizer(key: Self.referenceKey)
        let mac = MACAddress(0x52_54_00_12_34_56)
        let hidden = anonymizer.mac(mac)
        #expect(hidden != mac && hidden == anonymizer.mac(mac))
        #expect((hidden.value >> 40) & 0x03 == 0x02)  // locally administered, unicast
        #expect(anonymizer.mac(MACAddress(0)) == MACAddress(0))
        let keeping = try Anonymizer(key: Self.referenceKey, keepOUI: true).mac(mac)
        #expect(keeping.value >> 24 == 0x52_54_00 && keeping.value & 0xFF_FFFF == hidden.value & 0xFF_FFFF)
        var other = Self.referenceKey
        other[31] ^= 1
        #expect(try Anonymizer(key: other).mac(mac) != hidden)
    }

    @Test func textBecomesAHexDigestAndEmptyTextStaysEmpty() throws {
        let anonymizer = try Anonymizer(key: Self.referenceKey)
        let digest = Array("www.example.org".utf8).withUnsafeBytes { anonymizer.text($0) }
        #expect(digest.count == 32 && digest.allSatisfy { $0.isHexDigit })
        #expect(digest == Array("www.example.org".utf8).withUnsafeBytes { anonymizer.text($0) })
        #expect([UInt8]().withUnsafeBytes { anonymizer.text($0) } == "")
    }

    @Test func keyFilesMustBeSecretAndThirtyTwoBytesAndAreNeverOverwritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/k.key"
        try Anonymizer.makeKey(path: path)
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600 && st.st_size == 32)
        let key = try Anonymizer.readKey(path: path)
        #expect(key.count == 32)
        #expect(throws: Anonymizer.KeyProblem.self) { try Anonymizer.makeKey(path: path) }
        #expect(try Anonymizer.readKey(path: path) == key)  // untouched
        func problem(_ path: String) -> String {
            do {
                _ = try Anonymizer.readKey(path: path)
                return "none"
            } catch { return error.description }
        }
        chmod(path, 0o640)
        #expect(problem(path).contains("readable or writable by group or others (mode 640)"))
        chmod(path, 0o600)
        _ = FileManager.default.createFile(atPath: directory + "/short.key", contents: Data([1, 2, 3]))
        chmod(directory + "/short.key", 0o600)
        #expect(problem(directory + "/short.key") == "key file '\(directory)/short.key': 3 bytes; a key is 32 bytes ('flowmeter keygen' makes one)")
        #expect(problem(directory + "/missing.key").hasPrefix("key file '\(directory)/missing.key': No such file"))
    }
}

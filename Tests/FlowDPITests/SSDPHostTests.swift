import Testing

@testable import FlowDPI

@Suite struct SSDPHostTests {
    static func host(_ text: String) -> String? {
        Array(text.utf8).withUnsafeBytes { SSDPHost.host(in: $0) }
    }

    @Test func searchHostLosesItsPort() {
        #expect(Self.host("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n\r\n") == "239.255.255.250")
    }

    @Test func ipv6HostKeepsItsBracketsAndIsLowercased() {
        #expect(Self.host("NOTIFY * HTTP/1.1\r\nHost:[FF02::C]:1900\r\nNT: upnp:rootdevice\r\n\r\n") == "[ff02::c]")
    }

    @Test func responseHostIsReadAndOddBytesAreReplaced() {
        #expect(Self.host("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=100\r\nhost:  Box\u{9}Ünit  \r\n\r\n") == "box ??nit")
    }

    @Test func messageWithoutHostGivesAnEmptyName() {
        #expect(Self.host("M-SEARCH * HTTP/1.1\r\n") == "")
        #expect(Self.host("M-SEARCH * HTTP/1.1\r\nMX: 1\r\n\r\n") == "")
    }

    @Test func otherPayloadsAreNotSSDP() {
        #expect(Self.host("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n") == nil)
        #expect(Self.host("NOTIFY") == nil)
    }

    @Test func onlyTheLast79BytesOfALongHostAreKept() {
        let long = String(repeating: "a", count: 90) + "B.example"
        let host = Self.host("NOTIFY * HTTP/1.1\r\nHOST: \(long)\r\n\r\n")
        #expect(host == String((String(repeating: "a", count: 90) + "b.example").suffix(79)))
    }
}

// Linux only, like the namespaces and veth pairs they use.
#if os(Linux)

import FlowCapture
import FlowTestSupport
import Testing

@Suite struct NetworkInterfaceTests {
    @Test func loopbackIsListedWithItsAddressAndFlags() throws {
        let interfaces = try NetworkInterface.all()
        let lo = try #require(interfaces.first { $0.name == "lo" }, "\(interfaces.map(\.name))")
        #expect(lo.isLoopback && lo.isUp && lo.isRunning)
        #expect(lo.addresses.contains(NetworkInterface.Address(ipVersion: 4, text: "127.0.0.1", prefixLength: 8)))
        #expect(lo.addresses.allSatisfy { $0.ipVersion == 4 || $0.ipVersion == 6 })
        #expect(interfaces.contains { $0.name == "any" })
    }

    @Test(.enabled(if: NetworkNamespace.isSupported, Comment(rawValue: NetworkNamespace.skipMessage)))
    func vethEndIsListedWithTheTestsAddress() throws {
        let network = try NetworkNamespace()
        let veth = try #require(try NetworkInterface.all().first { $0.name == network.hostInterface })
        #expect(veth.isUp && !veth.isLoopback)
        #expect(veth.addresses.map(\.description) == ["\(network.hostAddress)/30"])
        try network.setHostInterface(up: false)
        let down = try #require(try NetworkInterface.all().first { $0.name == network.hostInterface })
        #expect(!down.isUp)
    }
}

#endif

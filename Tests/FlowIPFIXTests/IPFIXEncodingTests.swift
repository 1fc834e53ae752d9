@testable import FlowIPFIX
import FlowMeter
import FlowPacket
import FlowWriters
import Testing

/// IPFIX encodings against bytes computed by hand from RFC 7011, 6313 and 5103.
@Suite struct IPFIXEncodingTests {
    @Test func messageHeaderAndSetLengthsAreFilledInWhenTheMessageIsFinished() {
        var m = IPFIXMessageBuilder()
        m.begin(exportTime: 0x0102_0304, sequence: 5, domain: 7)
        m.appendDataRecord(template: 256, [0xAA, 0xBB])
        let bytes = m.finish()
        #expect(
            bytes == [
                0x00, 0x0A, 0x00, 0x16,  // version 10, length 22
                0x01, 0x02, 0x03, 0x04,  // export time
                0x00, 0x00, 0x00, 0x05,  // sequence
                0x00, 0x00, 0x00, 0x07,  // observation domain
                0x01, 0x00, 0x00, 0x06,  // set 256, length 6
                0xAA, 0xBB,
            ])
        #expect(m.dataRecords == 1)
    }

    @Test func templateRecordGivesIANAFieldsInFourBytesAndEnterpriseFieldsInEight() {
        var m = IPFIXMessageBuilder()
        m.begin(exportTime: 0, sequence: 0, domain: 0)
        m.appendTemplate(
            id: 256,
            elements: [
                .init(id: 8, type: .ipv4Address, name: "sourceIPv4Address"),
                .init(id: 2, enterprise: 29305, type: .unsigned64, name: "reversePacketDeltaCount"),
                .init(id: 1000, enterprise: 32473, type: .string, name: "x"),
            ])
        let bytes = Array(m.finish().dropFirst(16))
        #expect(
            bytes == [
                0x00, 0x02, 0x00, 0x1C,  // template set, length 4 + 4 + 4 + 8 + 8 = 28
                0x01, 0x00, 0x00, 0x03,  // template 256, 3 fields
                0x00, 0x08, 0x00, 0x04,  // sourceIPv4Address, 4 bytes
                0x80, 0x02, 0x00, 0x08, 0x00, 0x00, 0x72, 0x79,  // enterprise bit | 2, 8 bytes, PEN 29305
                0x83, 0xE8, 0xFF, 0xFF, 0x00, 0x00, 0x7E, 0xD9,  // enterprise bit | 1000, variable, PEN 32473
            ])
    }

    @Test func recordsOfOneTemplateShareASetAndAnotherTemplateOpensANewOne() {
        var m = IPFIXMessageBuilder()
        m.begin(exportTime: 0, sequence: 0, domain: 0)
        m.appendDataRecord(template: 256, [1])
        #expect(m.cost(ofRecord: 1, inSet: 256) == 1)
        #expect(m.cost(ofRecord: 1, inSet: 257) == 5)
        m.appendDataRecord(template: 256, [2])
        m.appendDataRecord(template: 257, [3])
        #expect(Array(m.finish().dropFirst(16)) == [0x01, 0x00, 0x00, 0x06, 1, 2, 0x01, 0x01, 0x00, 0x05, 3])
    }

    @Test func variableLengthFieldsUseOneByteBelow255AndThreeFrom255() {
        var e = IPFIXRecordEncoder()
        Array("ab".utf8).withUnsafeBytes { e.string($0) }
        #expect(e.bytes == [2, 0x61, 0x62])
        e.reset()
        let long = [UInt8](repeating: 0x7A, count: 300)
        long.withUnsafeBytes { e.string($0) }
        #expect(Array(e.bytes.prefix(3)) == [255, 0x01, 0x2C])
        #expect(e.bytes.count == 303)
    }

    @Test func basicListCarriesSemanticElementIdLengthAndEnterprise() {
        var e = IPFIXRecordEncoder()
        e.basicList([Int64(-1), 2], element: .init(id: 1079, enterprise: 32473, type: .signed64, name: "splt_ps"))
        #expect(
            e.bytes == [
                25,  // 9-byte list header + 2 × 8
                4,  // semantic: ordered
                0x84, 0x37, 0x00, 0x08,  // enterprise bit | 1079, element length 8
                0x00, 0x00, 0x7E, 0xD9,  // PEN 32473
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
            ])
    }

    @Test func coreColumnsMapToIANAElementsAndTheRestToStableEnterpriseNumbers() {
        let schema = FlowSchema(columns: [
            .init("id", .integer, ""), .init("src_ip", .text, ""), .init("dst2src_packets", .integer, ""),
            .init("bidirectional_mean_ps", .float, ""), .init("my_plugin_column", .text, ""),
        ])
        let map = IPFIXElementMap(knownColumns: ["expiration_id", "bidirectional_mean_ps"])
        let v4 = map.elements(for: schema, v6: false)
        #expect(v4[0] == .init(id: 148, type: .unsigned64, name: "flowId"))
        #expect(v4[1].id == 8 && v4[1].enterprise == nil)
        #expect(v4[2].id == 2 && v4[2].enterprise == 29305)
        #expect(v4[3] == .init(id: 1001, enterprise: 32473, type: .float64, name: "bidirectional_mean_ps"))
        #expect(v4[4].id == 10000 && v4[4].type == .string)
        #expect(map.elements(for: schema, v6: true)[1].id == 27)
    }

    @Test func destinationsParseHostsPortsAndBracketedIPv6() throws {
        #expect(try IPFIXDestination(parsing: "ipfix+udp://collector.example:4739") == .udp(host: "collector.example", port: 4739))
        #expect(try IPFIXDestination(parsing: "IPFIX+TCP://[::1]:4740") == .tcp(host: "::1", port: 4740))
        #expect(try IPFIXDestination(parsing: "flows.ipfix") == .file(path: "flows.ipfix"))
        #expect(throws: IPFIXError.self) { try IPFIXDestination(parsing: "ipfix+udp://h:0") }
        #expect(throws: IPFIXError.self) { try IPFIXDestination(parsing: "ipfix+udp://::1:4739") }
        #expect(IPFIXDestination.isIPFIX("x.IPFIX") && !IPFIXDestination.isIPFIX("x.csv"))
    }

    @Test func flowEndReasonFollowsRFC5102() {
        #expect(IPFIXCountersPlugin.endReason(.idle) == 1)
        #expect(IPFIXCountersPlugin.endReason(.active) == 2)
        #expect(IPFIXCountersPlugin.endReason(.tcpFin) == 3)
        #expect(IPFIXCountersPlugin.endReason(.endOfStream) == 4)
        #expect(IPFIXCountersPlugin.endReason(.tableFull) == 5)
    }
}

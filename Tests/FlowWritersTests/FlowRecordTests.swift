import FlowMeter
import FlowPacket
import FlowWriters
import Foundation
import Testing

/// Records every sink call, so a replay can be compared call for call with what was written.
struct CallLog: FlowFieldSink {
    enum Call: Equatable {
        case unsigned(UInt64), signed(Int64), double(UInt64), address(IPAddress), mac(UInt64, Bool), text([UInt8])
        case list([Int64])
    }
    var calls: [Call] = []
    mutating func appendUnsigned(_ value: UInt64) { calls.append(.unsigned(value)) }
    mutating func appendSigned(_ value: Int64) { calls.append(.signed(value)) }
    mutating func appendDouble(_ value: Double) { calls.append(.double(value.bitPattern)) }
    mutating func appendAddress(_ address: IPAddress) { calls.append(.address(address)) }
    mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) { calls.append(.mac(mac.value, ouiOnly)) }
    mutating func appendText(_ text: String) { calls.append(.text(Array(text.utf8))) }
    mutating func appendList<Values: Collection>(_ values: Values)
    where Values.Element: FixedWidthInteger & SignedInteger {
        calls.append(.list(values.map { Int64($0) }))
    }
}

/// Writes one value of every kind, the edge values of each.
func writeEveryKind<Sink: FlowFieldSink>(into sink: inout Sink) {
    sink.appendUnsigned(0)
    sink.appendUnsigned(.max)
    sink.appendSigned(-1)
    sink.appendSigned(.min)
    sink.appendDouble(632.9999999999999)
    sink.appendDouble(-0.0)
    sink.appendDouble(.nan)
    sink.appendAddress(IPAddress(v4: 0xC0A8_0001))
    sink.appendAddress(IPAddress(high: 0x2001_0db8_0000_0000, low: 1, version: 6))
    sink.appendMAC(MACAddress(0x0011_2233_4455), ouiOnly: false)
    sink.appendMAC(MACAddress(0xAABB_CCDD_EEFF), ouiOnly: true)
    sink.appendText("")
    sink.appendText("a \"quoted\", multi-line\r\ntext: é")
    sink.appendList([Int8]())
    sink.appendList([Int8(-1), 0, 1])
    sink.appendList([Int32.max, Int32.min])
    sink.appendList([Int64.min, 42])
}

@Suite struct FlowRecordTests {
    @Test func replayMakesExactlyTheCallsThatWroteTheRecord() {
        var direct = CallLog()
        writeEveryKind(into: &direct)
        var buffer = FlowRecordBuffer(capacity: 16)  // grows several times
        buffer.beginRecord()
        writeEveryKind(into: &buffer)
        let range = buffer.endRecord()
        let record = buffer.record(at: range)
        #expect(record.valueCount == 17)
        #expect(record.bytes.count == range.count)
        var replayed = CallLog()
        record.replay(into: &replayed)
        #expect(replayed.calls == direct.calls)
    }

    @Test func recordsStoredBackToBackAreFoundByTheirLengths() {
        var buffer = FlowRecordBuffer(capacity: 64)
        var ranges: [Range<Int>] = []
        for i in 0..<100 {
            buffer.beginRecord()
            buffer.appendUnsigned(UInt64(i))
            buffer.appendText(String(repeating: "x", count: i))
            ranges.append(buffer.endRecord())
        }
        var offset = 0
        for i in 0..<100 {
            let (record, next) = buffer.record(startingAt: offset)
            #expect(offset == ranges[i].lowerBound && next == ranges[i].upperBound)
            var log = CallLog()
            record.replay(into: &log)
            #expect(log.calls == [.unsigned(UInt64(i)), .text(Array(String(repeating: "x", count: i).utf8))])
            offset = next
        }
        #expect(offset == buffer.count)
        buffer.removeAll()
        #expect(buffer.count == 0)
    }

    @Test func forEachValueGivesTypedValuesInOrder() {
        var buffer = FlowRecordBuffer()
        buffer.beginRecord()
        buffer.appendSigned(-7)
        buffer.appendAddress(IPAddress(v4: 0x0A00_0001))
        buffer.appendMAC(MACAddress(0x0102_0304_0506), ouiOnly: true)
        buffer.appendText("dns")
        buffer.appendList([Int32(3), -4])
        let record = buffer.record(at: buffer.endRecord())
        var seen: [String] = []
        record.forEachValue { value in
            switch value {
            case .signed(let v): seen.append("signed \(v)")
            case .address(let a): seen.append("address \(a)")
            case .oui(let m): seen.append("oui \(String(m.value, radix: 16))")
            case .text(let utf8): seen.append("text \(String(decoding: utf8, as: UTF8.self))")
            case .list(let values): seen.append("list \(Array(values))")
            default: seen.append("unexpected \(value)")
            }
        }
        #expect(seen == ["signed -7", "address 10.0.0.1", "oui 10203040506", "text dns", "list [3, -4]"])
    }

    @Test func csvOfAReplayedRecordEqualsTheCSVWrittenDirectly() {
        var direct = CSVRow()
        direct.appendUnsigned(12)
        writeEveryKind(into: &direct)
        direct.endRow()
        var buffer = FlowRecordBuffer()
        buffer.beginRecord()
        writeEveryKind(into: &buffer)
        let record = buffer.record(at: buffer.endRecord())
        var replayed = CSVRow()
        FlowRow(id: 12, record: record).replay(into: &replayed)
        replayed.endRow()
        #expect(replayed.bytes == direct.bytes)
        let text = String(decoding: replayed.bytes, as: UTF8.self)
        #expect(
            text
                == "12,0,18446744073709551615,-1,-9223372036854775808,632.9999999999999,-0.0,nan,192.168.0.1,"
                + "2001:db8::1,00:11:22:33:44:55,aa:bb:cc,,\"a \"\"quoted\"\", multi-line\r\ntext: é\",[],"
                + "\"[-1, 0, 1]\",\"[2147483647, -2147483648]\",\"[-9223372036854775808, 42]\"\r\n")
    }

    @Test func csvWriterRejectsARowWithMoreValuesThanTheSchemaHasColumns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowmeter-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.csv").path
        let writer = try CSVWriter(path: path, gzip: false)
        try writer.begin(schema: FlowSchema(columns: [.init("id", .integer, ""), .init("a", .integer, "")]))
        var buffer = FlowRecordBuffer()
        buffer.beginRecord()
        buffer.appendUnsigned(1)
        try writer.write(FlowRow(id: 0, record: buffer.record(at: buffer.endRecord())))
        buffer.beginRecord()
        buffer.appendUnsigned(1)
        buffer.appendUnsigned(2)
        let wrong = buffer.record(at: buffer.endRecord())
        #expect {
            try writer.write(FlowRow(id: 1, record: wrong))
        } throws: { error in
            "\(error)".contains("row 1") && "\(error)".contains("3 values but the schema has 2 columns")
        }
        writer.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

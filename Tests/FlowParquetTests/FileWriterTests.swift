@testable import FlowParquet
import FlowMeter
import FlowPacket
import FlowWriters
import Testing

/// Collects what a writer writes, in memory.
final class MemorySink: ByteSink {
    var bytes: [UInt8] = []
    var finished = false
    var abandoned = false
    var path: String { "memory" }
    func write(_ b: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: b) }
    func finish() throws { finished = true }
    func abandon() { abandoned = true }
}

func uncompressedOptions() -> ParquetFileWriter.Options {
    var options = ParquetFileWriter.Options()
    options.compression = .none
    return options
}

/// The footer of a finished file: the bytes between the data and the length word.
func footer(_ file: [UInt8]) -> [UInt8] {
    let n = file.count
    let length = Int(file[n - 8]) | Int(file[n - 7]) << 8 | Int(file[n - 6]) << 16 | Int(file[n - 5]) << 24
    return Array(file[(n - 8 - length)..<(n - 8)])
}

@Suite struct ParquetFileWriterTests {
    @Test func fileStartsAndEndsWithTheMagicAndItsFooterLengthPointsAtTheFooter() throws {
        let sink = MemorySink()
        let writer = try ParquetFileWriter(sink: sink, columns: [.init(name: "n", kind: .int64)], options: uncompressedOptions())
        writer.appendInt64(column: 0, 1)
        try writer.endRow()
        try writer.finish()
        #expect(Array(sink.bytes.prefix(4)) == Array("PAR1".utf8))
        #expect(Array(sink.bytes.suffix(4)) == Array("PAR1".utf8))
        let meta = footer(sink.bytes)
        #expect(meta.first == 0x15)  // field 1 (version), i32
        #expect(meta.last == 0x00)  // the struct's stop byte
        #expect(sink.finished)
    }

    @Test func int64PageIsItsHeaderThenLittleEndianValues() throws {
        let sink = MemorySink()
        let writer = try ParquetFileWriter(sink: sink, columns: [.init(name: "n", kind: .int64)], options: uncompressedOptions())
        for v: Int64 in [1, -2] {
            writer.appendInt64(column: 0, v)
            try writer.endRow()
        }
        try writer.finish()
        let header: [UInt8] = [
            0x15, 0x00, 0x15, 0x20, 0x15, 0x20,  // DATA_PAGE, 16 bytes uncompressed and compressed
            0x2C, 0x15, 0x04, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00,  // 2 values, PLAIN
        ]
        let values: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(Array(sink.bytes[4..<(4 + header.count + 16)]) == header + values)
    }

    @Test func textIsADictionaryPageThenBitPackedIndices() throws {
        let sink = MemorySink()
        let writer = try ParquetFileWriter(sink: sink, columns: [.init(name: "s", kind: .string)], options: uncompressedOptions())
        for s in ["a", "b", "a"] {
            try Array(s.utf8).withUnsafeBytes { try writer.appendString(column: 0, $0) }
            try writer.endRow()
        }
        try writer.finish()
        let dictionaryPage: [UInt8] = [
            0x15, 0x04, 0x15, 0x14, 0x15, 0x14,  // DICTIONARY_PAGE, 10 bytes
            0x4C, 0x15, 0x04, 0x15, 0x00, 0x00, 0x00,  // field 7 (delta 4): 2 values, PLAIN
            1, 0, 0, 0, 0x61, 1, 0, 0, 0, 0x62,
        ]
        let dataPage: [UInt8] = [
            0x15, 0x00, 0x15, 0x06, 0x15, 0x06,  // DATA_PAGE, 3 bytes
            0x2C, 0x15, 0x06, 0x15, 0x10, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00,  // 3 values, RLE_DICTIONARY
            0x01, 0x03, 0x02,  // bit width 1; one bit-packed group: 0, 1, 0
        ]
        #expect(Array(sink.bytes[4..<(4 + dictionaryPage.count + dataPage.count)]) == dictionaryPage + dataPage)
    }

    @Test func listPageHasRepetitionThenDefinitionLevelsThenValues() throws {
        let sink = MemorySink()
        let writer = try ParquetFileWriter(sink: sink, columns: [.init(name: "l", kind: .int64List)], options: uncompressedOptions())
        writer.appendList(column: 0, [Int64(7), -1])
        try writer.endRow()
        writer.appendList(column: 0, [Int64]())
        try writer.endRow()
        try writer.finish()
        // Entries: 7 (rep 0, def 1), -1 (rep 1, def 1), empty list (rep 0, def 0).
        let body: [UInt8] =
            [2, 0, 0, 0, 0x03, 0b010] + [2, 0, 0, 0, 0x03, 0b011]
            + [7, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: 0xFF, count: 8)
        let start = 4 + 17
        #expect(sink.bytes[4 + 3] == UInt8(body.count * 2))  // zigzag uncompressed size
        #expect(Array(sink.bytes[start..<(start + body.count)]) == body)
    }

    @Test func booleansArePackedOneBitEachFromTheLeastSignificant() throws {
        let sink = MemorySink()
        let writer = try ParquetFileWriter(sink: sink, columns: [.init(name: "b", kind: .boolean)], options: uncompressedOptions())
        for b in [true, false, true, true, false, false, false, false, true] {
            writer.appendBoolean(column: 0, b)
            try writer.endRow()
        }
        try writer.finish()
        #expect(Array(sink.bytes[(4 + 17)..<(4 + 19)]) == [0b0000_1101, 0b0000_0001])
    }

    @Test func aDictionaryPastItsLimitFallsBackToPlainForTheRestOfTheChunk() throws {
        var options = uncompressedOptions()
        options.dictionaryBytes = 12  // room for one 4-byte value and its length
        options.rowGroupRows = 4
        let writer = try ParquetFileWriter(sink: MemorySink(), columns: [.init(name: "s", kind: .string)], options: options)
        for s in ["aaaa", "aaaa", "bbbb", "cccc", "z"] {
            try Array(s.utf8).withUnsafeBytes { try writer.appendString(column: 0, $0) }
            try writer.endRow()
        }
        try writer.finish()
        let first = writer.rowGroups[0].columns[0]
        #expect(first.encodings == [.plain, .rleDictionary])
        #expect(first.dictionaryPageOffset == 4)
        #expect(first.valueCount == 4)
        let pages = first.encodingStats.map { "\($0.0) \($0.1) \($0.2)" }
        #expect(pages == ["dictionaryPage plain 1", "dataPage rleDictionary 1", "dataPage plain 1"])
        #expect(first.statistics.minValue == Array("aaaa".utf8))
        #expect(first.statistics.maxValue == Array("cccc".utf8))
        // The next row group starts with a dictionary again.
        let second = writer.rowGroups[1].columns[0]
        #expect(second.encodingStats.map { "\($0.0) \($0.1) \($0.2)" } == ["dictionaryPage plain 1", "dataPage rleDictionary 1"])
    }

    @Test func pagesCloseBetweenRowsOnceTheyReachTheirSize() throws {
        var options = uncompressedOptions()
        options.pageBytes = 80
        let writer = try ParquetFileWriter(sink: MemorySink(), columns: [.init(name: "n", kind: .int64)], options: options)
        for v in 0..<25 {
            writer.appendInt64(column: 0, Int64(v))
            try writer.endRow()
        }
        try writer.finish()
        let chunk = writer.rowGroups[0].columns[0]
        #expect(chunk.encodingStats.map(\.2) == [3])  // pages of 10, 10 and 5 values
        #expect(chunk.valueCount == 25)
        #expect(chunk.statistics.minValue == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(chunk.statistics.maxValue == [24, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func rowGroupsAreWrittenAsTheyFill() throws {
        let sink = MemorySink()
        var options = uncompressedOptions()
        options.rowGroupRows = 10
        let writer = try ParquetFileWriter(sink: sink, columns: [.init(name: "n", kind: .int64)], options: options)
        for v in 0..<25 {
            writer.appendInt64(column: 0, Int64(v))
            try writer.endRow()
            if v == 9 { #expect(sink.bytes.count > 4 + 80) }  // the first group is out before the second starts
        }
        try writer.finish()
        #expect(writer.rowGroups.map(\.rowCount) == [10, 10, 5])
        #expect(writer.rowCount == 25)
    }

    @Test func doubleStatisticsSkipNaNAndWriteZeroAsNegativeMinimumAndPositiveMaximum() {
        var s = ColumnStatistics()
        for v in [0.0, .nan, -0.0] { s.add(v) }
        let encoded = s.encoded(kind: .double)
        #expect(encoded.minValue == ColumnStatistics.littleEndian((-0.0).bitPattern))
        #expect(encoded.maxValue == ColumnStatistics.littleEndian(0.0.bitPattern))
        var onlyNaN = ColumnStatistics()
        onlyNaN.add(Double.nan)
        #expect(onlyNaN.encoded(kind: .double).minValue == nil)
    }

    @Test func everyCodecRoundTripsThroughItsOwnFormat() throws {
        let input = [UInt8]((0..<5000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        for codec in ParquetCompression.allCases {
            var out: [UInt8] = []
            try input.withUnsafeBytes { try PageCompressor(codec: codec).compress($0, into: &out) }
            switch codec {
            case .none: #expect(out == input)
            case .zstd: #expect(Array(out.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])  // zstd frame magic
            case .gzip: #expect(Array(out.prefix(3)) == [0x1F, 0x8B, 0x08])  // gzip member, deflate
            case .snappy: #expect(Array(out.prefix(2)) == [0x88, 0x27])  // varint 5000: snappy's length preamble
            }
            #expect(out.count < input.count || codec == .none)
        }
    }
}

@Suite struct ParquetFlowWriterTests {
    func schema() -> FlowSchema {
        FlowSchema(columns: [
            .init("id", .integer, ""), .init("ip", .text, ""), .init("mean", .float, ""), .init("l", .list, ""),
        ])
    }

    func row(_ fill: (inout FlowRecordBuffer) -> Void) -> (FlowRecordBuffer, Range<Int>) {
        var buffer = FlowRecordBuffer()
        buffer.beginRecord()
        fill(&buffer)
        return (buffer, buffer.endRecord())
    }

    @Test func valuesGoToTheirColumnsWithAddressesAsTheCSVText() throws {
        let sink = MemorySink()
        let writer = ParquetFlowWriter(sink: sink, options: uncompressedOptions())
        try writer.begin(schema: schema())
        let (buffer, range) = row {
            $0.appendAddress(IPAddress(high: 0x2001_0db8_0000_0000, low: 1, version: 6))
            $0.appendDouble(632.9999999999999)
            $0.appendList([Int32(1), -1])
        }
        try writer.write(FlowRow(id: 0, record: buffer.record(at: range)))
        try writer.finish()
        let text = Array("2001:db8::1".utf8)
        #expect(sink.bytes.firstRange(of: text) != nil)
        #expect(sink.bytes.firstRange(of: ColumnStatistics.littleEndian(632.9999999999999.bitPattern)) != nil)
        #expect(writer.rowsWritten == 1)
    }

    @Test func aValueOfTheWrongKindIsRefusedNamingTheColumn() throws {
        let sink = MemorySink()
        let writer = ParquetFlowWriter(sink: sink, options: uncompressedOptions())
        try writer.begin(schema: schema())
        let (buffer, range) = row {
            $0.appendText("10.0.0.1")
            $0.appendText("not a float")
            $0.appendList([Int8]())
        }
        #expect {
            try writer.write(FlowRow(id: 7, record: buffer.record(at: range)))
        } throws: { error in
            "\(error)".contains("row 7") && "\(error)".contains("'mean' is declared a float")
        }
        writer.abandon()
        #expect(sink.abandoned)
    }

    @Test func aRowWithTooFewValuesIsRefused() throws {
        let writer = ParquetFlowWriter(sink: MemorySink(), options: uncompressedOptions())
        try writer.begin(schema: schema())
        let (buffer, range) = row { $0.appendText("10.0.0.1") }
        #expect(throws: WriterError.self) { try writer.write(FlowRow(id: 0, record: buffer.record(at: range))) }
    }

    @Test func integersFillFloatColumnsExactly() throws {
        let sink = MemorySink()
        let writer = ParquetFlowWriter(sink: sink, options: uncompressedOptions())
        try writer.begin(schema: schema())
        let (buffer, range) = row {
            $0.appendText("x")
            $0.appendUnsigned(3)
            $0.appendList([Int64]())
        }
        try writer.write(FlowRow(id: 0, record: buffer.record(at: range)))
        try writer.finish()
        #expect(sink.bytes.firstRange(of: ColumnStatistics.littleEndian(3.0.bitPattern)) != nil)
    }
}

@testable import FlowParquet
import Testing

/// Thrift compact protocol bytes, computed by hand from the protocol's specification.
@Suite struct ThriftCompactTests {
    @Test func shortFieldHeaderPacksTheIdDeltaAndTypeInOneByte() {
        var w = ThriftCompactWriter()
        w.writeI32(1, 2)  // delta 1, type i32 (5); zigzag(2) = 4
        w.writeI64(16, -1)  // delta 15, type i64 (6); zigzag(-1) = 1
        #expect(w.bytes == [0x15, 0x04, 0xF6, 0x01])
    }

    @Test func longFieldHeaderGivesTheTypeThenTheZigzagId() {
        var w = ThriftCompactWriter()
        w.writeI32(40, 300)  // delta 40 > 15: type byte, zigzag(40) = 80, then zigzag(300) = 600 = 0xD8 0x04
        #expect(w.bytes == [0x05, 0x50, 0xD8, 0x04])
    }

    @Test func booleansLiveInTheFieldHeader() {
        var w = ThriftCompactWriter()
        w.writeBool(1, true)
        w.writeBool(2, false)
        #expect(w.bytes == [0x11, 0x12])
    }

    @Test func listHeaderHoldsShortSizesInItsHighNibbleAndLongOnesAsAVarint() {
        var w = ThriftCompactWriter()
        w.writeI32List(1, [1, -1, 2])
        #expect(w.bytes == [0x19, 0x35, 0x02, 0x01, 0x04])
        var long = ThriftCompactWriter()
        long.writeStringList(1, Array(repeating: "", count: 20))
        #expect(Array(long.bytes.prefix(3)) == [0x19, 0xF8, 0x14])
        #expect(long.bytes.count == 3 + 20)  // each empty string is its zero length
    }

    @Test func nestedStructRestoresTheOuterFieldIdForTheNextDelta() {
        var w = ThriftCompactWriter()
        w.writeI32(1, 1)
        w.writeStruct(2) { $0.writeI32(1, 7) }
        w.writeI32(3, 5)
        #expect(w.bytes == [0x15, 0x02, 0x1C, 0x15, 0x0E, 0x00, 0x15, 0x0A])
    }

    @Test func stringsAreAVarintLengthAndTheirUTF8Bytes() {
        var w = ThriftCompactWriter()
        w.writeString(4, "ab")
        w.writeString(5, "é")
        #expect(w.bytes == [0x48, 0x02, 0x61, 0x62, 0x18, 0x02, 0xC3, 0xA9])
    }

    @Test func varintsOfLargeValuesUseSevenBitsPerByte() {
        var w = ThriftCompactWriter()
        w.writeZigzag(Int64.min)  // zigzag: 2^64 - 1, ten bytes
        #expect(w.bytes == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test func dataPageHeaderMatchesItsHandEncoding() {
        var w = ThriftCompactWriter()
        ParquetPageHeader(type: .dataPage, uncompressedSize: 10, compressedSize: 12, valueCount: 3, encoding: .plain)
            .encode(&w)
        #expect(
            w.bytes == [
                0x15, 0x00,  // field 1 (delta 1, i32): type DATA_PAGE
                0x15, 0x14,  // field 2: uncompressed 10
                0x15, 0x18,  // field 3: compressed 12
                0x2C,  // field 5 (delta 2, struct): DataPageHeader
                0x15, 0x06,  // num_values 3
                0x15, 0x00,  // PLAIN
                0x15, 0x06,  // definition levels RLE
                0x15, 0x06,  // repetition levels RLE
                0x00, 0x00,
            ])
    }
}

/// The RLE / bit-packing hybrid, against Encodings.md's example and hand-packed bits.
@Suite struct RLEHybridTests {
    @Test func bitPackingEightValuesOfWidthThreeGivesTheSpecificationsExample() {
        var out: [UInt8] = []
        RLEHybrid.encode([0, 1, 2, 3, 4, 5, 6, 7], bitWidth: 3, into: &out)
        // Header (1 group << 1) | 1, then 10001000 11000110 11111010.
        #expect(out == [0x03, 0x88, 0xC6, 0xFA])
    }

    @Test func aLongRepeatBecomesOneRLERun() {
        var out: [UInt8] = []
        RLEHybrid.encode(Array(repeating: 5, count: 100), bitWidth: 3, into: &out)
        #expect(out == [0xC8, 0x01, 0x05])  // 100 << 1 = 200 as a varint, the value in one byte
    }

    @Test func literalsThenARepeatGiveABitPackedRunThenAnRLERun() {
        var out: [UInt8] = []
        RLEHybrid.encode([0, 1, 2, 3, 4, 5, 6, 7] + Array(repeating: 2, count: 8), bitWidth: 3, into: &out)
        #expect(out == [0x03, 0x88, 0xC6, 0xFA, 0x10, 0x02])
    }

    @Test func aRepeatAfterUnalignedLiteralsFirstCompletesTheirGroupOfEight() {
        var out: [UInt8] = []
        // 3 literals; 5 of the 13 ones complete the group, the 8 left are an RLE run.
        RLEHybrid.encode([0, 0, 0] + Array(repeating: 1, count: 13), bitWidth: 1, into: &out)
        #expect(out == [0x03, 0b1111_1000, 0x10, 0x01])
    }

    @Test func aShortTailIsPaddedToAGroupOfEight() {
        var out: [UInt8] = []
        RLEHybrid.encode([1, 0, 1], bitWidth: 1, into: &out)
        #expect(out == [0x03, 0x05])
    }

    @Test func wideValuesSpanBytesLeastSignificantBitFirst() {
        var out: [UInt8] = []
        RLEHybrid.encode([0x1FF, 0, 0, 0, 0, 0, 0, 0], bitWidth: 9, into: &out)
        #expect(out == [0x03, 0xFF, 0x01] + Array(repeating: 0, count: 7))
        var rle: [UInt8] = []
        RLEHybrid.encode(Array(repeating: 0x1234, count: 8), bitWidth: 13, into: &rle)
        #expect(rle == [0x10, 0x34, 0x12])  // the RLE value takes ⌈13 / 8⌉ = 2 bytes
    }

    @Test func levelsCarryTheirByteLengthFirst() {
        var out: [UInt8] = []
        RLEHybrid.encodeLevels([0, 1, 1], maxLevel: 1, into: &out)
        #expect(out == [0x02, 0x00, 0x00, 0x00, 0x03, 0x06])
    }

    @Test func bitWidthIsTheBitsOfTheLargestValue() {
        #expect(RLEHybrid.bitWidth(0) == 0)
        #expect(RLEHybrid.bitWidth(1) == 1)
        #expect(RLEHybrid.bitWidth(7) == 3)
        #expect(RLEHybrid.bitWidth(8) == 4)
        #expect(RLEHybrid.bitWidth(.max) == 32)
    }

    @Test func randomSequencesDecodeBackToThemselves() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        for width in [1, 2, 5, 8, 12, 20, 32] {
            var values: [UInt32] = []
            while values.count < 2000 {
                let v = UInt32(truncatingIfNeeded: next()) & UInt32(truncatingIfNeeded: (UInt64(1) << width) - 1)
                values += Array(repeating: v, count: Int(next() % 3 == 0 ? next() % 20 : 1))
            }
            var out: [UInt8] = []
            RLEHybrid.encode(values, bitWidth: width, into: &out)
            #expect(decodeHybrid(out, bitWidth: width, count: values.count) == values, "width \(width)")
        }
    }
}

/// An independent reader of the hybrid encoding, written from the specification, for round trips.
func decodeHybrid(_ bytes: [UInt8], bitWidth: Int, count: Int) -> [UInt32] {
    var values: [UInt32] = []
    var p = 0
    func varint() -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = bytes[p]
            p += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }
    while values.count < count && p < bytes.count {
        let header = varint()
        if header & 1 == 1 {
            let n = Int(header >> 1) * 8
            var bit = 0
            for _ in 0..<n {
                var v: UInt64 = 0
                for k in 0..<bitWidth where bytes[p + (bit + k) / 8] & (1 << UInt8((bit + k) % 8)) != 0 {
                    v |= 1 << UInt64(k)
                }
                bit += bitWidth
                values.append(UInt32(v))
            }
            p += Int(header >> 1) * bitWidth
        } else {
            var v: UInt32 = 0
            for k in 0..<((bitWidth + 7) / 8) {
                v |= UInt32(bytes[p]) << UInt32(8 * k)
                p += 1
            }
            values += Array(repeating: v, count: Int(header >> 1))
        }
    }
    return Array(values.prefix(count))
}

/// Parquet's RLE / bit-packing hybrid (Encodings.md, "Run Length Encoding / Bit-Packing Hybrid"), used for
/// repetition and definition levels and for dictionary indices.
///
/// A run header is a ULEB128 varint: `count << 1` for an RLE run (then the value in ⌈bitWidth / 8⌉ little-endian
/// bytes), `groups << 1 | 1` for a bit-packed run of `groups` × 8 values (then `groups × bitWidth` bytes, values
/// packed from the least significant bit of each byte). Repeats of eight or more values become RLE runs; the rest
/// is bit-packed, the last group padded with zeros (a reader stops at the page's value count).
public enum RLEHybrid {
    /// Bits needed for values up to `maxValue` (0 for 0).
    public static func bitWidth(_ maxValue: UInt32) -> Int {
        maxValue == 0 ? 0 : 32 - maxValue.leadingZeroBitCount
    }

    /// Appends the encoding of `values` (each below 2^bitWidth) to `output`, without a length prefix.
    public static func encode(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, into output: inout [UInt8]) {
        precondition((0...32).contains(bitWidth), "bit width \(bitWidth) outside 0…32")
        let n = values.count
        var literalStart = 0  // first value of the pending bit-packed run
        var i = 0
        while i < n {
            // Length of the run of equal values at i.
            let v = values[i]
            var j = i &+ 1
            while j < n && values[j] == v { j &+= 1 }
            let run = j &- i
            let pending = i &- literalStart
            if run >= 8 {
                // Complete the pending literals to a multiple of 8 with the run's first values.
                let fill = (8 &- pending & 7) & 7
                if run &- fill >= 8 {
                    let literalEnd = i &+ fill
                    if literalEnd > literalStart {
                        writeBitPacked(values, literalStart..<literalEnd, bitWidth: bitWidth, into: &output)
                    }
                    writeRLE(v, count: run &- fill, bitWidth: bitWidth, into: &output)
                    literalStart = j
                }
            }
            i = j
        }
        if n > literalStart {
            writeBitPacked(values, literalStart..<n, bitWidth: bitWidth, into: &output)
        }
    }

    /// Same as ``encode(_:bitWidth:into:)`` for an array.
    public static func encode(_ values: [UInt32], bitWidth: Int, into output: inout [UInt8]) {
        values.withUnsafeBufferPointer { encode($0, bitWidth: bitWidth, into: &output) }
    }

    /// Levels as a data page v1 stores them: a 4-byte little-endian length, then the hybrid encoding.
    public static func encodeLevels(_ levels: [UInt32], maxLevel: UInt32, into output: inout [UInt8]) {
        let lengthAt = output.count
        output.append(contentsOf: [0, 0, 0, 0])
        encode(levels, bitWidth: bitWidth(maxLevel), into: &output)
        let length = UInt32(output.count - lengthAt - 4)
        for k in 0..<4 { output[lengthAt + k] = UInt8(truncatingIfNeeded: length >> (8 * k)) }
    }

    static func writeVarint(_ value: UInt64, into output: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        output.append(UInt8(v))
    }

    static func writeRLE(_ value: UInt32, count: Int, bitWidth: Int, into output: inout [UInt8]) {
        writeVarint(UInt64(count) << 1, into: &output)
        for k in 0..<((bitWidth + 7) / 8) {
            output.append(UInt8(truncatingIfNeeded: value >> (8 * k)))
        }
    }

    static func writeBitPacked(
        _ values: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, bitWidth: Int, into output: inout [UInt8]
    ) {
        let groups = (range.count + 7) / 8
        writeVarint(UInt64(groups) << 1 | 1, into: &output)
        if bitWidth == 0 { return }
        var accumulator: UInt64 = 0
        var bits = 0
        for index in 0..<(groups * 8) {
            let position = range.lowerBound + index
            let value = position < range.upperBound ? UInt64(values[position]) : 0
            accumulator |= value << UInt64(bits)
            bits += bitWidth
            while bits >= 8 {
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator >>= 8
                bits -= 8
            }
        }
        // groups × 8 × bitWidth bits is a whole number of bytes: nothing is left over.
    }
}

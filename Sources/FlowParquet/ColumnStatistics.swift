import FlowWriters

/// Min, max and null count of a column chunk, in the column's type-defined order (signed for INT64, IEEE order
/// without NaN for DOUBLE, unsigned bytes for text).
struct ColumnStatistics {
    var minInt = Int64.max
    var maxInt = Int64.min
    var minDouble = Double.infinity
    var maxDouble = -Double.infinity
    var sawNumber = false
    var sawFalse = false
    var sawTrue = false
    var minBytes: [UInt8]?
    var maxBytes: [UInt8]?
    /// Text longer than this is left out of min/max (which must be exact values).
    static let textLimit = 256
    var textTooLong = false

    @inline(__always)
    mutating func add(_ v: Int64) {
        if v < minInt { minInt = v }
        if v > maxInt { maxInt = v }
    }

    @inline(__always)
    mutating func add(_ v: Double) {
        guard !v.isNaN else { return }
        sawNumber = true
        if v < minDouble { minDouble = v }
        if v > maxDouble { maxDouble = v }
    }

    mutating func add(_ b: Bool) {
        if b { sawTrue = true } else { sawFalse = true }
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        if textTooLong { return }
        if bytes.count > Self.textLimit {
            textTooLong = true
            return
        }
        if minBytes == nil || bytes.lexicographicallyPrecedes(minBytes!) { minBytes = Array(bytes) }
        if maxBytes == nil || maxBytes!.lexicographicallyPrecedes(bytes) { maxBytes = Array(bytes) }
    }

    static func littleEndian<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }

    func encoded(kind: ParquetColumnKind) -> ParquetStatistics {
        var s = ParquetStatistics()
        s.nullCount = 0
        switch kind {
        case .int64, .int64List:
            if minInt <= maxInt {
                s.minValue = Self.littleEndian(minInt)
                s.maxValue = Self.littleEndian(maxInt)
            }
            // Empty lists are undefined entries, not nulls of the leaf: leave the count out.
            if kind == .int64List { s.nullCount = nil }
        case .double:
            if sawNumber {
                // Zero is written as -0.0 for the minimum and +0.0 for the maximum (the specification's rule).
                let lo = minDouble == 0 ? -0.0 : minDouble
                let hi = maxDouble == 0 ? 0.0 : maxDouble
                s.minValue = Self.littleEndian(lo.bitPattern)
                s.maxValue = Self.littleEndian(hi.bitPattern)
            }
        case .boolean:
            if sawFalse || sawTrue {
                s.minValue = [sawFalse ? 0 : 1]
                s.maxValue = [sawTrue ? 1 : 0]
            }
        case .string:
            if !textTooLong, let minBytes, let maxBytes {
                s.minValue = minBytes
                s.maxValue = maxBytes
            }
        }
        return s
    }
}

/// Formats a Double exactly as Python's `repr(float)` / `str(float)` does: the shortest digits that round-trip,
/// fixed notation with a trailing `.0` for whole values when 1e-4 <= |x| < 1e16, otherwise `d.ddde±XX`.
public enum PythonFloatFormat {
    public static func append(_ value: Double, to out: inout [UInt8]) {
        if value.isNaN { out.append(contentsOf: "nan".utf8); return }
        if value.isInfinite { out.append(contentsOf: (value < 0 ? "-inf" : "inf").utf8); return }
        if value == 0 {
            if value.sign == .minus { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: "0.0".utf8)
            return
        }
        if value == value.rounded(.towardZero) && abs(value) < 1e15 {
            // Whole number: integer digits then ".0" (fast path, exact).
            appendInteger(Int64(value), to: &out)
            out.append(contentsOf: ".0".utf8)
            return
        }
        // Swift's description is also the shortest round-trip digit string; re-lay it out Python's way.
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        var negative = false
        var exponent = 0  // value = 0.d1d2d3... × 10^exponent
        var seenPoint = false
        var integerDigits = 0
        var explicitExponent = 0
        var inExponent = false
        var exponentNegative = false
        var leadingZeros = 0
        for c in value.description.utf8 {
            if inExponent {
                if c == UInt8(ascii: "-") { exponentNegative = true } else if c == UInt8(ascii: "+") {} else {
                    explicitExponent = explicitExponent * 10 + Int(c - 48)
                }
                continue
            }
            switch c {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            default:
                if digits.isEmpty && c == UInt8(ascii: "0") {
                    if seenPoint { leadingZeros += 1 }
                    continue
                }
                digits.append(c)
                if !seenPoint { integerDigits += 1 }
            }
        }
        while digits.count > 1 && digits.last == UInt8(ascii: "0") { digits.removeLast() }
        if exponentNegative { explicitExponent = -explicitExponent }
        exponent = (integerDigits > 0 ? integerDigits : -leadingZeros) + explicitExponent
        if negative { out.append(UInt8(ascii: "-")) }
        let decimalExponent = exponent - 1  // scientific exponent
        if decimalExponent < -4 || decimalExponent >= 16 {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            out.append(UInt8(ascii: decimalExponent < 0 ? "-" : "+"))
            let e = abs(decimalExponent)
            if e < 10 { out.append(UInt8(ascii: "0")) }
            appendInteger(Int64(e), to: &out)
        } else if exponent <= 0 {
            out.append(contentsOf: "0.".utf8)
            for _ in 0..<(-exponent) { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: digits)
        } else if exponent >= digits.count {
            out.append(contentsOf: digits)
            for _ in 0..<(exponent - digits.count) { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: ".0".utf8)
        } else {
            out.append(contentsOf: digits[0..<exponent])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[exponent...])
        }
    }

    @inlinable
    public static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            appendUnsigned(value.magnitude, to: &out)
        } else {
            appendUnsigned(UInt64(value), to: &out)
        }
    }

    @inlinable
    public static func appendUnsigned(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, enough for 20 digits
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var v = value
            var i = 24
            while v > 0 {
                let (q, r) = v.quotientAndRemainder(dividingBy: 10)
                i -= 1
                buffer[i] = UInt8(truncatingIfNeeded: r) &+ 48
                v = q
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[i..<24]))
        }
    }

    /// Convenience for tests and messages.
    public static func string(_ value: Double) -> String {
        var out: [UInt8] = []
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

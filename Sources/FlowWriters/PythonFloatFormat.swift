/// Formats a Double exactly as Python's `repr(float)` / `str(float)` does: the shortest digits that round-trip,
/// fixed notation with a trailing `.0` for whole values when 1e-4 <= |x| < 1e16, otherwise `d.ddde±XX`.
import FlowPacket

/// Numbers written as Python writes them, so CSV matches NFStream byte for byte: doubles as `repr(float)`,
/// integers in decimal.
public enum PythonFloatFormat {
    /// Appends `value` as Python's `repr(float)`: shortest round-trip digits, `nan`, `inf`, `-0.0`, `1e-05`, `1e+16`.
    public static func append<Output: ByteOutput>(_ value: Double, to out: inout Output) {
        if value.isNaN { appendASCII("nan", to: &out); return }
        if value.isInfinite { appendASCII(value < 0 ? "-inf" : "inf", to: &out); return }
        if value == 0 {
            if value.sign == .minus { out.append(UInt8(ascii: "-")) }
            appendASCII("0.0", to: &out)
            return
        }
        if value == value.rounded(.towardZero) && abs(value) < 1e15 {
            // Whole number: integer digits then ".0" (fast path, exact).
            appendInteger(Int64(value), to: &out)
            appendASCII(".0", to: &out)
            return
        }
        // Swift's own text of a Double is also the shortest round-trip digit string, laid out as Python lays it out
        // (`0.0001`, `1e-05`, `1.5e+16`) except for magnitudes in [2^53, 1e16), which Swift already writes with
        // an exponent and Python does not. Every other value is copied as it is.
        // It is taken through `TextOutputStreamable` into a stack buffer: `description` would build a String,
        // one heap allocation for every value longer than 15 characters (most means and standard deviations).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { textBuffer in
            var text = StackText(base: textBuffer.baseAddress!, capacity: textBuffer.count)
            value.write(to: &text)
            let utf8 = UnsafeBufferPointer(start: textBuffer.baseAddress, count: text.count)
            if value.magnitude < 0x1p53 || value.magnitude >= 1e16 {
                for c in utf8 { out.append(c) }
                return
            }
            // [2^53, 1e16): Swift writes `9.ddd…e+15` (2^53 ≈ 9.007e15, so the first digit is always 9 and the
            // exponent 15), and 2^53 itself as `9007199254740992.0`. Python writes the digits with the point after
            // the 16th: the digits are copied without Swift's point, zeros fill up to 16, and the point goes after
            // the 16th (then `0` when nothing follows).
            var digits = 0
            for c in utf8 {
                if c == UInt8(ascii: "e") { break }
                if c == UInt8(ascii: "-") {
                    out.append(c)
                } else if c != UInt8(ascii: ".") {
                    if digits == 16 { out.append(UInt8(ascii: ".")) }
                    out.append(c)
                    digits += 1
                }
            }
            if digits <= 16 {
                for _ in digits..<16 { out.append(UInt8(ascii: "0")) }
                appendASCII(".0", to: &out)
            }
        }
    }

    /// A fixed stack buffer as a text stream. The standard library writes a float's text with `_writeASCII` (no
    /// String is made); `write` covers any other path.
    struct StackText: TextOutputStream {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int
        var count = 0

        mutating func write(_ string: String) {
            for byte in string.utf8 where count < capacity {
                base[count] = byte
                count += 1
            }
        }

        mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
            guard let source = buffer.baseAddress else { return }
            let n = min(buffer.count, capacity - count)
            (base + count).update(from: source, count: n)
            count += n
        }
    }

    /// Appends a signed integer in decimal (`-` for negatives).
    @inlinable
    public static func appendInteger<Output: ByteOutput>(_ value: Int64, to out: inout Output) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            appendUnsigned(value.magnitude, to: &out)
        } else {
            appendUnsigned(UInt64(value), to: &out)
        }
    }

    /// Appends an unsigned integer in decimal.
    @inlinable
    public static func appendUnsigned<Output: ByteOutput>(_ value: UInt64, to out: inout Output) {
        if value < 10 {
            out.append(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, enough for 20 digits
        withUnsafeMutableBytes(of: &scratch) { buffer in
            RawByteBuffer.digitPairs.withUTF8Buffer { pairs in
                var v = value
                var i = 24
                while v >= 100 {
                    let (q, r) = v.quotientAndRemainder(dividingBy: 100)
                    i -= 2
                    buffer[i] = pairs[Int(r) &* 2]
                    buffer[i + 1] = pairs[Int(r) &* 2 &+ 1]
                    v = q
                }
                if v >= 10 {
                    i -= 2
                    buffer[i] = pairs[Int(v) &* 2]
                    buffer[i + 1] = pairs[Int(v) &* 2 &+ 1]
                } else {
                    i -= 1
                    buffer[i] = UInt8(truncatingIfNeeded: v) &+ 48
                }
                while i < 24 {
                    out.append(buffer[i])
                    i += 1
                }
            }
        }
    }

    @inlinable
    static func appendASCII<Output: ByteOutput>(_ text: StaticString, to out: inout Output) {
        text.withUTF8Buffer { for c in $0 { out.append(c) } }
    }

    /// Convenience for tests and messages.
    public static func string(_ value: Double) -> String {
        var out: [UInt8] = []
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

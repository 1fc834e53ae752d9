/// Formats a Double exactly as Python's `repr(float)` / `str(float)` does: the shortest digits that round-trip,
/// fixed notation with a trailing `.0` for whole values when 1e-4 <= |x| < 1e16, otherwise `d.ddde±XX`.
import FlowPacket

/// Numbers written as Python writes them, so CSV matches NFStream byte for byte: doubles as `repr(float)`,
/// integers in decimal.
public enum PythonFloatFormat {
    /// The most bytes ``write(_:to:)`` writes (Python's longest float text, `-2.2250738585072014e-308`, has 24).
    public static let maximumLength = 32

    /// Appends `value` as Python's `repr(float)`: shortest round-trip digits, `nan`, `inf`, `-0.0`, `1e-05`, `1e+16`.
    public static func append<Output: ByteOutput>(_ value: Double, to out: inout Output) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumLength) { text in
            let n = write(value, to: text.baseAddress!)
            for i in 0..<n { out.append(text[i]) }
        }
    }

    /// Writes `value` as Python's `repr(float)` at `destination`, which has room for ``maximumLength`` bytes, and
    /// returns how many bytes it wrote.
    public static func write(_ value: Double, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        if value.isNaN { return writeASCII("nan", to: destination) }
        if value.isInfinite { return writeASCII(value < 0 ? "-inf" : "inf", to: destination) }
        if value == 0 { return writeASCII(value.sign == .minus ? "-0.0" : "0.0", to: destination) }
        if value == value.rounded(.towardZero) && abs(value) < 1e15 {
            // Whole number: integer digits then ".0" (fast path, exact).
            var n = 0
            if value < 0 {
                destination.pointee = UInt8(ascii: "-")
                n = 1
            }
            n &+= RawByteBuffer.writeDecimal(UInt64(abs(value)), to: destination + n)
            return n &+ writeASCII(".0", to: destination + n)
        }
        // Swift's own text of a Double is also the shortest round-trip digit string, laid out as Python lays it out
        // (`0.0001`, `1e-05`, `1.5e+16`) except for magnitudes in [2^53, 1e16), which Swift already writes with
        // an exponent and Python does not. Every other value is used as it is.
        // It is taken through `TextOutputStreamable` straight into the destination: `description` would build a
        // String, one heap allocation for every value longer than 15 characters (most means and deviations).
        var text = StackText(base: destination, capacity: maximumLength)
        value.write(to: &text)
        if value.magnitude < 0x1p53 || value.magnitude >= 1e16 { return text.count }
        // [2^53, 1e16): Swift writes `9.ddd…e+15` (2^53 ≈ 9.007e15, so the first digit is always 9 and the
        // exponent 15), and 2^53 itself as `9007199254740992.0`. Python writes the digits with the point after
        // the 16th: the digits are copied without Swift's point, zeros fill up to 16, and the point goes after
        // the 16th (then `0` when nothing follows).
        var swiftText: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &swiftText) { copy in
            copy.baseAddress!.copyMemory(from: destination, byteCount: text.count)
            var n = 0
            var digits = 0
            for c in copy.prefix(text.count) {
                if c == UInt8(ascii: "e") { break }
                if c == UInt8(ascii: "-") {
                    destination[n] = c
                    n &+= 1
                } else if c != UInt8(ascii: ".") {
                    if digits == 16 {
                        destination[n] = UInt8(ascii: ".")
                        n &+= 1
                    }
                    destination[n] = c
                    n &+= 1
                    digits &+= 1
                }
            }
            if digits <= 16 {
                for _ in digits..<16 {
                    destination[n] = UInt8(ascii: "0")
                    n &+= 1
                }
                n &+= writeASCII(".0", to: destination + n)
            }
            return n
        }
    }

    /// Writes a string literal at `destination`; returns its length.
    static func writeASCII(_ text: StaticString, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        text.withUTF8Buffer { bytes in
            destination.update(from: bytes.baseAddress!, count: bytes.count)
            return bytes.count
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
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            let n = RawByteBuffer.writeDecimal(value, to: digits.baseAddress!)
            for i in 0..<n { out.append(digits[i]) }
        }
    }

    /// Convenience for tests and messages.
    public static func string(_ value: Double) -> String {
        var out: [UInt8] = []
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

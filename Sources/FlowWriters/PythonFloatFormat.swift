/// Doubles written as Python's `repr(float)` / `str(float)` writes them, so CSV matches NFStream byte for byte: the
/// shortest digits that round-trip, fixed notation with a trailing `.0` for whole values when 1e-4 <= |x| < 1e16,
/// otherwise `d.ddde±XX`. (Integers are written by `RawByteBuffer.appendDecimal`.)
public enum PythonFloatFormat {
    /// The most bytes ``write(_:to:)`` writes (Python's longest float text, `-2.2250738585072014e-308`, has 24).
    public static let maximumLength = 32

    /// Writes `value` as Python's `repr(float)` at `destination`, which has room for ``maximumLength`` bytes, and
    /// returns how many bytes it wrote: shortest round-trip digits, `nan`, `inf`, `-0.0`, `1e-05`, `1e+16`.
    public static func write(_ value: Double, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        if value.isNaN { return writeASCII("nan", to: destination) }
        if value.isInfinite { return writeASCII(value < 0 ? "-inf" : "inf", to: destination) }
        if value == 0 { return writeASCII(value.sign == .minus ? "-0.0" : "0.0", to: destination) }
        if value == value.rounded(.towardZero) && abs(value) < 1e16 {
            // A whole number below 1e16: Python writes its exact digits and ".0". Its shortest round-trip digits are
            // those digits without trailing zeros (no shorter decimal is within half a spacing of it: the spacing of
            // doubles there is at most 2, and they are even where it is 2), and Python pads them back with zeros.
            var n = 0
            if value < 0 {
                destination.pointee = UInt8(ascii: "-")
                n = 1
            }
            n &+= RawByteBuffer.writeDecimal(UInt64(abs(value)), to: destination + n)
            return n &+ writeASCII(".0", to: destination + n)
        }
        // Any other value: Swift's own text of a Double is also the shortest round-trip digit string, laid out as
        // Python lays it out (`0.0001`, `1e-05`, `1.5e+16`, `123.25`). Swift differs only for whole numbers in
        // [2^53, 1e16), where it writes an exponent, and those took the branch above. The text is written through
        // `TextOutputStreamable` straight into the destination: `description` would build a String, one heap
        // allocation for every value longer than 15 characters (most means and deviations).
        var text = StackText(base: destination, capacity: maximumLength)
        value.write(to: &text)
        return text.count
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

    /// Convenience for tests and messages.
    public static func string(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumLength) { text in
            let n = write(value, to: text.baseAddress!)
            return String(decoding: text.prefix(n), as: UTF8.self)
        }
    }
}

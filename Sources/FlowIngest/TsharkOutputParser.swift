/// Parses tshark's per-packet output from a byte buffer. The parser is incremental: `parse` either finds one
/// complete packet at the front of the bytes it is given and says how many bytes it used, or says it needs more.
/// Timestamps are parsed from their decimal text as integers (never through a floating-point value).
public struct TsharkOutputParser {
    /// The Lua postdissector's field that carries the frame's bytes (see `TsharkSource.luaScript`).
    public static let rawField = "flowmeter_raw.frame"
    /// The `-e` fields of the fields mode, in order.
    public static let fieldNames = ["frame.time_epoch", "frame.len", "frame.cap_len", "frame.encap_type", rawField]

    /// What one call to `parse` found.
    public enum Result {
        case frame(consumed: Int)
        case needMore
        /// The text is not what tshark writes; the message says where.
        case invalid(String)
    }

    /// The format of the text parsed.
    public let format: TsharkFormat
    private var frameBuffer: UnsafeMutableRawPointer
    private var frameCapacity: Int
    /// The packet found by the last `.frame` result.
    public private(set) var frame = TsharkFrame()
    /// Elements and attributes tokenised so far (PDML), a measure of the parsing work done.
    public private(set) var elementsParsed: UInt64 = 0

    /// A parser of tshark's `format` output.
    public init(format: TsharkFormat) {
        self.format = format
        frameCapacity = 65536
        frameBuffer = .allocate(byteCount: frameCapacity, alignment: 16)
    }

    /// Frees the frame buffer. The parser must not be used afterwards.
    public mutating func deallocate() {
        frameBuffer.deallocate()
        frameCapacity = 0
    }

    /// Parses one packet from the front of `bytes`.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) -> Result {
        switch format {
        case .fields: return parseFieldsLine(bytes)
        case .pdml: return parsePDMLPacket(bytes)
        }
    }

    // MARK: fields

    private mutating func parseFieldsLine(_ bytes: UnsafeRawBufferPointer) -> Result {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return .needMore }
        var end = newline
        if end > 0 && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        // The five columns' bounds, without allocating: the four tabs' positions.
        var tabs = (0, 0, 0, 0)
        var found = 0
        for i in 0..<end where bytes[i] == UInt8(ascii: "\t") {
            switch found {
            case 0: tabs.0 = i
            case 1: tabs.1 = i
            case 2: tabs.2 = i
            case 3: tabs.3 = i
            default: break
            }
            found += 1
        }
        guard found == Self.fieldNames.count - 1 else {
            return .invalid(
                "a fields line has \(found + 1) columns, not \(Self.fieldNames.count): '\(Self.text(bytes, 0..<min(newline, 200)))'"
            )
        }
        func column(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[range]) }
        if let problem = setFrame(
            time: column(0..<tabs.0), wire: column(tabs.0 + 1..<tabs.1), captured: column(tabs.1 + 1..<tabs.2),
            encapsulation: column(tabs.2 + 1..<tabs.3), hex: column(tabs.3 + 1..<end))
        {
            return .invalid(problem)
        }
        return .frame(consumed: newline + 1)
    }

    // MARK: PDML

    /// Tokenises XML elements until `</packet>`: tag names and every attribute of every element, remembering the
    /// few fields a packet needs.
    private mutating func parsePDMLPacket(_ bytes: UnsafeRawBufferPointer) -> Result {
        let count = bytes.count
        var i = 0
        var time: Range<Int>? = nil
        var wire: Range<Int>? = nil
        var captured: Range<Int>? = nil
        var encapsulation: Range<Int>? = nil
        var hex: Range<Int>? = nil
        var inPacket = false
        let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), slash = UInt8(ascii: "/")
        while true {
            while i < count && bytes[i] != lt { i += 1 }
            if i >= count { return .needMore }
            let tagStart = i
            i += 1
            if i >= count { return .needMore }
            let first = bytes[i]
            if first == UInt8(ascii: "?") || first == UInt8(ascii: "!") {
                // Declaration, processing instruction or comment: skip to its end.
                while i < count && bytes[i] != gt { i += 1 }
                if i >= count { return .needMore }
                i += 1
                continue
            }
            let closing = first == slash
            if closing { i += 1 }
            let nameStart = i
            while i < count && !Self.isNameEnd(bytes[i]) { i += 1 }
            if i >= count { return .needMore }
            let name = nameStart..<i
            elementsParsed &+= 1
            if closing {
                while i < count && bytes[i] != gt { i += 1 }
                if i >= count { return .needMore }
                i += 1
                if Self.equals(bytes, name, "packet") {
                    guard inPacket, let time, let wire, let captured, let hex else {
                        return .invalid(
                            "a PDML packet ends before frame.time_epoch, frame.len, frame.cap_len and \(Self.rawField) were all seen (before byte \(tagStart))"
                        )
                    }
                    let encapsulationBytes =
                        encapsulation.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
                        ?? UnsafeRawBufferPointer(start: nil, count: 0)
                    if let problem = setFrame(
                        time: UnsafeRawBufferPointer(rebasing: bytes[time]),
                        wire: UnsafeRawBufferPointer(rebasing: bytes[wire]),
                        captured: UnsafeRawBufferPointer(rebasing: bytes[captured]),
                        encapsulation: encapsulationBytes,
                        hex: UnsafeRawBufferPointer(rebasing: bytes[hex]))
                    {
                        return .invalid(problem)
                    }
                    return .frame(consumed: i)
                }
                continue
            }
            if Self.equals(bytes, name, "packet") { inPacket = true }
            let isField = Self.equals(bytes, name, "field")
            var fieldName: Range<Int>? = nil
            var show: Range<Int>? = nil
            var value: Range<Int>? = nil
            // Attributes: name="value" pairs until '>' or '/>'.
            while true {
                while i < count && Self.isSpace(bytes[i]) { i += 1 }
                if i >= count { return .needMore }
                let c = bytes[i]
                if c == gt {
                    i += 1
                    break
                }
                if c == slash {
                    i += 1
                    if i >= count { return .needMore }
                    guard bytes[i] == gt else { return .invalid("'/' inside a tag at byte \(i)") }
                    i += 1
                    break
                }
                let attributeStart = i
                while i < count && bytes[i] != UInt8(ascii: "=") && !Self.isSpace(bytes[i]) && bytes[i] != gt {
                    i += 1
                }
                if i >= count { return .needMore }
                let attribute = attributeStart..<i
                guard bytes[i] == UInt8(ascii: "=") else {
                    return .invalid("an attribute without a value at byte \(i)")
                }
                i += 1
                if i >= count { return .needMore }
                let quote = bytes[i]
                guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                    return .invalid("an unquoted attribute value at byte \(i)")
                }
                i += 1
                let valueStart = i
                while i < count && bytes[i] != quote { i += 1 }
                if i >= count { return .needMore }
                let attributeValue = valueStart..<i
                i += 1
                elementsParsed &+= 1
                if isField {
                    let length = attribute.count
                    if length == 4 && Self.equals(bytes, attribute, "name") {
                        fieldName = attributeValue
                    } else if length == 4 && Self.equals(bytes, attribute, "show") {
                        show = attributeValue
                    } else if length == 5 && Self.equals(bytes, attribute, "value") {
                        value = attributeValue
                    }
                }
            }
            if isField, let fieldName, inPacket {
                if Self.equals(bytes, fieldName, "frame.time_epoch") {
                    time = show
                } else if Self.equals(bytes, fieldName, "frame.len") {
                    wire = show
                } else if Self.equals(bytes, fieldName, "frame.cap_len") {
                    captured = show
                } else if Self.equals(bytes, fieldName, "frame.encap_type") {
                    encapsulation = show
                } else if Self.equals(bytes, fieldName, "flowmeter_raw.frame") {
                    hex = value ?? (0..<0)
                }
            }
        }
    }

    // MARK: values

    private mutating func setFrame(
        time: UnsafeRawBufferPointer, wire: UnsafeRawBufferPointer, captured: UnsafeRawBufferPointer,
        encapsulation: UnsafeRawBufferPointer, hex: UnsafeRawBufferPointer
    ) -> String? {
        guard let (seconds, microseconds) = Self.parseEpoch(time) else {
            return "frame.time_epoch '\(Self.text(time, 0..<time.count))' is not a decimal time"
        }
        guard let wireLength = Self.parseUnsigned(wire), wireLength <= UInt64(UInt32.max) else {
            return "frame.len '\(Self.text(wire, 0..<wire.count))' is not a length"
        }
        guard let capturedLength = Self.parseUnsigned(captured), capturedLength <= 0x100_0000 else {
            return "frame.cap_len '\(Self.text(captured, 0..<captured.count))' is not a length"
        }
        let byteCount = hex.count / 2
        guard hex.count % 2 == 0, byteCount == Int(capturedLength) else {
            return "the frame's hex bytes (\(hex.count) digits) do not match its captured length \(capturedLength)"
        }
        if byteCount > frameCapacity {
            frameBuffer.deallocate()
            frameCapacity = max(byteCount, frameCapacity * 2)
            frameBuffer = .allocate(byteCount: frameCapacity, alignment: 16)
        }
        let out = frameBuffer.assumingMemoryBound(to: UInt8.self)
        for k in 0..<byteCount {
            guard let high = Self.nibble(hex[2 * k]), let low = Self.nibble(hex[2 * k + 1]) else {
                return "the frame's hex bytes contain '\(Self.text(hex, 2 * k..<2 * k + 2))'"
            }
            out[k] = high << 4 | low
        }
        frame.seconds = seconds
        frame.microseconds = microseconds
        frame.wireLength = UInt32(wireLength)
        frame.capturedLength = UInt32(capturedLength)
        frame.encapsulation = encapsulation.isEmpty ? 0 : Int(Self.parseUnsigned(encapsulation) ?? 0)
        frame.bytes = UnsafeRawBufferPointer(start: frameBuffer, count: byteCount)
        return nil
    }

    /// Parses "-?SECONDS[.FRACTION]" exactly: the fraction's first six digits are the microseconds (later digits
    /// are dropped, as libpcap drops them when it reads a nanosecond capture). A negative time gives negative
    /// seconds and non-negative microseconds below one second (the floor).
    public static func parseEpoch(_ text: UnsafeRawBufferPointer) -> (seconds: Int, microseconds: Int)? {
        var i = 0
        var negative = false
        if i < text.count && text[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        var seconds = 0
        var digits = 0
        while i < text.count, let d = digit(text[i]) {
            guard digits < 18 else { return nil }
            seconds = seconds * 10 + d
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        var micro = 0
        var fractionDigits = 0
        if i < text.count && text[i] == UInt8(ascii: ".") {
            i += 1
            while i < text.count, let d = digit(text[i]) {
                if fractionDigits < 6 { micro = micro * 10 + d }
                fractionDigits += 1
                i += 1
            }
        }
        guard i == text.count else { return nil }
        for _ in fractionDigits..<max(fractionDigits, 6) { micro *= 10 }
        if negative {
            if micro == 0 { return (-seconds, 0) }
            return (-seconds - 1, 1_000_000 - micro)
        }
        return (seconds, micro)
    }

    static func parseUnsigned(_ text: UnsafeRawBufferPointer) -> UInt64? {
        guard !text.isEmpty, text.count <= 18 else { return nil }
        var value: UInt64 = 0
        for byte in text {
            guard let d = digit(byte) else { return nil }
            value = value * 10 + UInt64(d)
        }
        return value
    }

    @inline(__always)
    static func digit(_ byte: UInt8) -> Int? {
        byte >= 48 && byte <= 57 ? Int(byte - 48) : nil
    }

    @inline(__always)
    static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 10 || byte == 9 || byte == 13
    }

    @inline(__always)
    static func isNameEnd(_ byte: UInt8) -> Bool {
        isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
    }

    @inline(__always)
    static func equals(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for k in 0..<range.count where bytes[range.lowerBound + k] != w[k] { return false }
        return true
    }

    static func text(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}

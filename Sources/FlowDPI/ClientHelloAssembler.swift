/// Collects a TLS ClientHello from the client's TCP segments (those the plugin sees: the dissection window), across
/// several segments and several TLS records, and gives its JA4 once complete. Segments before the hello (a STARTTLS
/// dialogue) are skipped; after its first segment, the rest must follow in sequence order (a retransmission is
/// ignored, a gap or reordering ends the attempt: no fingerprint).
public struct ClientHelloAssembler: Sendable {
    /// The records' bytes so far (reused from flow to flow).
    var buffer: [UInt8] = []
    var nextSequence: UInt32 = 0
    /// 0 waiting for a hello, 1 collecting, 2 finished (fingerprinted or given up).
    var stage: UInt8 = 0
    /// The largest hello we wait for (records included).
    static let limit = 1 << 16

    /// An assembler waiting for the flow's ClientHello.
    public init() {}

    /// Ready for a new flow (keeps the buffer's memory, unless a large hello made it large).
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: buffer.capacity <= Self.keptCapacity)
        stage = 0
    }

    /// The buffer memory a flow slot keeps for the next flow.
    static let keptCapacity = 4096

    /// Done with this flow's hello: keep no more than `keptCapacity` bytes of buffer.
    private mutating func finish() {
        stage = 2
        buffer.removeAll(keepingCapacity: buffer.capacity <= Self.keptCapacity)
    }

    /// Whether the assembler still wants client segments.
    public var isCollecting: Bool { stage < 2 }

    /// Adds one client→server TCP segment; returns the JA4 when the hello is complete.
    public mutating func add(segment: UnsafeRawBufferPointer, sequence: UInt32) -> String? {
        if segment.isEmpty || stage == 2 { return nil }
        if stage == 0 {
            // A TLS handshake record (0x16 0x03 0x0?) whose message is a ClientHello (type 1).
            // Other bytes (a STARTTLS dialogue, say) are skipped: the hello may follow in the window.
            guard segment.count >= 6, segment[0] == 0x16, segment[1] == 0x03, segment[5] == 0x01 else { return nil }
            stage = 1
            buffer.append(contentsOf: segment)
        } else {
            if sequence != nextSequence {
                // A retransmission of bytes we have is harmless; anything else (a gap) ends the attempt.
                if Int32(bitPattern: sequence &- nextSequence) < 0 { return nil }
                finish()
                return nil
            }
            buffer.append(contentsOf: segment)
        }
        nextSequence = sequence &+ UInt32(segment.count)
        switch handshake() {
        case .complete(let message):
            finish()
            return JA4.fingerprint(handshake: message)
        case .incomplete:
            if buffer.count > Self.limit { finish() }
            return nil
        case .invalid:
            finish()
            return nil
        }
    }

    enum Assembly {
        case complete([UInt8])
        case incomplete
        case invalid
    }

    /// The handshake message carried by the records in `buffer`, if all of it is there.
    func handshake() -> Assembly {
        var message: [UInt8] = []
        var i = 0
        while i + 5 <= buffer.count {
            guard buffer[i] == 0x16, buffer[i + 1] == 0x03 else { return .invalid }
            let length = Int(buffer[i + 3]) << 8 | Int(buffer[i + 4])
            let available = min(length, buffer.count - i - 5)
            message.append(contentsOf: buffer[(i + 5)..<(i + 5 + available)])
            if message.count >= 4 {
                let needed = 4 + (Int(message[1]) << 16 | Int(message[2]) << 8 | Int(message[3]))
                if message.count >= needed { return .complete(Array(message[0..<needed])) }
            }
            if available < length { return .incomplete }
            i += 5 + length
        }
        return .incomplete
    }
}

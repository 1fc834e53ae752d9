import FlowWriters

/// Builds IPFIX messages (RFC 7011 §3): a 16-byte header, then sets — template sets (id 2), options template sets
/// (id 3) and data sets (the template's id) — each a 4-byte header and its records. All numbers are in network
/// byte order.
public struct IPFIXMessageBuilder {
    /// The message so far, header included.
    public private(set) var bytes: [UInt8] = []
    /// Offset of the open set's header, or nil.
    var setStart: Int?
    var setID: UInt16 = 0
    /// Data records in the message (for the next message's sequence number).
    public private(set) var dataRecords: UInt32 = 0

    /// An empty builder; ``begin(exportTime:sequence:domain:)`` starts a message.
    public init() {}

    /// True before a message was begun.
    public var isEmpty: Bool { bytes.isEmpty }
    /// Bytes in the message so far.
    public var count: Int { bytes.count }

    /// Starts a message (the header's length is written by ``finish()``).
    public mutating func begin(exportTime: UInt32, sequence: UInt32, domain: UInt32) {
        bytes.removeAll(keepingCapacity: true)
        setStart = nil
        dataRecords = 0
        append16(10)  // version
        append16(0)  // length, set in finish()
        append32(exportTime)
        append32(sequence)
        append32(domain)
    }

    mutating func append16(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    mutating func append32(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift)))
        }
    }

    /// Opens a set with `id` unless it is the one open (records of one template go in one set).
    public mutating func openSet(_ id: UInt16) {
        if setStart != nil && setID == id { return }
        closeSet()
        setStart = bytes.count
        setID = id
        append16(id)
        append16(0)
    }

    mutating func closeSet() {
        guard let start = setStart else { return }
        let length = UInt16(bytes.count - start)
        bytes[start + 2] = UInt8(length >> 8)
        bytes[start + 3] = UInt8(truncatingIfNeeded: length)
        setStart = nil
    }

    /// Bytes a record of `size` bytes adds in the set `id` (the set header when that set is not the open one).
    public func cost(ofRecord size: Int, inSet id: UInt16) -> Int {
        size + (setStart != nil && setID == id ? 0 : 4)
    }

    /// A template record (RFC 7011 §3.4.1) in the template set.
    public mutating func appendTemplate(id: UInt16, elements: [IPFIXElement]) {
        openSet(2)
        append16(id)
        append16(UInt16(elements.count))
        for element in elements { appendFieldSpecifier(element) }
    }

    /// An options template record (RFC 7011 §3.4.2.2) in the options template set.
    public mutating func appendOptionsTemplate(id: UInt16, scope: [IPFIXElement], fields: [IPFIXElement]) {
        openSet(3)
        append16(id)
        append16(UInt16(scope.count + fields.count))
        append16(UInt16(scope.count))
        for element in scope + fields { appendFieldSpecifier(element) }
    }

    mutating func appendFieldSpecifier(_ element: IPFIXElement) {
        if let enterprise = element.enterprise {
            append16(0x8000 | element.id)
            append16(element.type.length)
            append32(enterprise)
        } else {
            append16(element.id)
            append16(element.type.length)
        }
    }

    /// A data record (already encoded) of template `template`.
    public mutating func appendDataRecord(template: UInt16, _ record: [UInt8]) {
        record.withUnsafeBytes { appendDataRecord(template: template, $0) }
    }

    /// A data record (already encoded) of template `template`.
    public mutating func appendDataRecord(template: UInt16, _ record: UnsafeRawBufferPointer) {
        openSet(template)
        bytes.append(contentsOf: record)
        dataRecords &+= 1
    }

    /// Closes the message: the last set's length and the message length.
    public mutating func finish() -> [UInt8] {
        close()
        return bytes
    }

    /// Closes the message in place (the last set's length and the message length); ``bytes`` is then the message.
    public mutating func close() {
        closeSet()
        let length = UInt16(truncatingIfNeeded: bytes.count)
        bytes[2] = UInt8(length >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: length)
    }

    /// Overwrites the header's export time (seconds since the epoch).
    public mutating func setExportTime(_ seconds: UInt32) {
        for k in 0..<4 { bytes[4 + k] = UInt8(truncatingIfNeeded: seconds >> UInt32(24 - 8 * k)) }
    }

    /// Forgets the message, keeping its memory for the next one (``isEmpty`` is true again).
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        setStart = nil
        dataRecords = 0
    }

    /// Keeps room for messages of `bytes` bytes, so that building one never grows the buffer.
    public mutating func reserveCapacity(_ bytes: Int) {
        self.bytes.reserveCapacity(bytes)
    }
}

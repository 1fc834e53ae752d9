import FlowMeter
import FlowPacket
import FlowWriters

/// A writer that anonymises every row before the writer it wraps sees it: addresses (Crypto-PAn), MAC addresses
/// and OUIs (keyed hash), the identifying text columns (keyed hash), and the addresses inside CICFlowMeter's
/// `Flow ID`. Works on typed rows, so every output format gets the same values.
public final class AnonymizingWriter: FlowWriter {
    let inner: FlowWriter
    let anonymizer: Anonymizer
    let extraColumns: [String]
    var hashed: [Bool] = []
    var flowID = -1
    var buffer = FlowRecordBuffer(capacity: 1 << 14)

    /// Text columns hashed by default: names, user agents and fingerprints identify hosts and people.
    public static let identifyingColumns = [
        "requested_server_name", "user_agent", "client_fingerprint", "server_fingerprint",
    ]

    /// A column named in `--anonymize-columns` that the output does not have.
    public struct UnknownColumn: Error, CustomStringConvertible {
        /// The column name as given.
        public var name: String
        /// The message the CLI prints, pointing at `flowmeter features`.
        public var description: String {
            "--anonymize-columns: the output has no column '\(name)' ('flowmeter features' lists them)"
        }
    }

    /// `extraColumns`: more text columns to hash (`--anonymize-columns`).
    public init(wrapping inner: FlowWriter, anonymizer: Anonymizer, extraColumns: [String] = []) {
        self.inner = inner
        self.anonymizer = anonymizer
        self.extraColumns = extraColumns
    }

    /// Decides which columns to hash (the identifying ones and `extraColumns`; throws ``UnknownColumn`` for an
    /// extra one the schema lacks), finds `Flow ID`, and begins the wrapped writer.
    public func begin(schema: FlowSchema) throws {
        let names = schema.columnNames
        for name in extraColumns where !names.contains(name) { throw UnknownColumn(name: name) }
        let chosen = Set(Self.identifyingColumns + extraColumns)
        // The record holds every column but `id`.
        hashed = names.dropFirst().map { chosen.contains($0) }
        flowID = (names.dropFirst().firstIndex(of: "Flow ID") ?? 0) - 1
        try inner.begin(schema: schema)
    }

    /// Re-encodes the row with its addresses, MACs and chosen text anonymised, and hands it to the wrapped writer.
    public func write(_ row: FlowRow) throws {
        buffer.removeAll()
        buffer.beginRecord()
        var sink = Sink(buffer: buffer, anonymizer: anonymizer, hashed: hashed, flowID: flowID)
        row.record.replay(into: &sink)
        buffer = sink.buffer
        let range = buffer.endRecord()
        let bytes = UnsafeRawBufferPointer(rebasing: buffer.bytes[range])
        try inner.write(FlowRow(id: row.id, record: FlowRecord(bytes: bytes)))
    }

    /// Finishes the wrapped writer.
    public func finish() throws { try inner.finish() }
    /// Abandons the wrapped writer.
    public func abandon() { inner.abandon() }
    /// Passes the quiet moment on to the wrapped writer.
    public func idle() throws { try inner.idle() }

    struct Sink: FlowFieldSink {
        var buffer: FlowRecordBuffer
        let anonymizer: Anonymizer
        let hashed: [Bool]
        let flowID: Int
        var column = 0

        mutating func appendUnsigned(_ value: UInt64) {
            buffer.appendUnsigned(value)
            column += 1
        }
        mutating func appendSigned(_ value: Int64) {
            buffer.appendSigned(value)
            column += 1
        }
        mutating func appendDouble(_ value: Double) {
            buffer.appendDouble(value)
            column += 1
        }
        mutating func appendAddress(_ address: IPAddress) {
            buffer.appendAddress(anonymizer.address(address))
            column += 1
        }
        mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) {
            buffer.appendMAC(anonymizer.mac(mac), ouiOnly: ouiOnly)
            column += 1
        }
        mutating func appendText(_ text: String) {
            var t = text
            t.withUTF8 { appendUTF8(UnsafeRawBufferPointer($0)) }
        }
        mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer) {
            if column < hashed.count && hashed[column] {
                buffer.appendText(anonymizer.text(utf8))
            } else if column == flowID {
                buffer.appendText(anonymizedFlowID(String(decoding: utf8, as: UTF8.self)))
            } else {
                buffer.appendUTF8(utf8)
            }
            column += 1
        }
        mutating func appendList<Values: Collection>(_ values: Values)
        where Values.Element: FixedWidthInteger & SignedInteger {
            buffer.appendList(values)
            column += 1
        }

        /// CICFlowMeter's `Flow ID` ("src-dst-sport-dport-protocol") with both addresses anonymised.
        func anonymizedFlowID(_ text: String) -> String {
            var parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            for i in 0..<min(2, parts.count) {
                if let a = IPAddress(text: parts[i]) { parts[i] = anonymizer.address(a).description }
            }
            return parts.joined(separator: "-")
        }
    }
}

/// Thrift's compact protocol, writing side: what Parquet's footer (`FileMetaData`) and page headers are encoded
/// with. Integers are zigzag varints, a field header packs the id delta and the type in one byte when it can,
/// booleans live in the field header, strings and binaries are a varint length and their bytes.
///
/// Structs nest with ``beginStruct()`` / ``endStruct()``, which keep the last field id of each level as the
/// protocol requires.
public struct ThriftCompactWriter {
    /// Compact protocol type codes (as they appear in field and list headers).
    public enum FieldType: UInt8 {
        case booleanTrue = 1
        case booleanFalse = 2
        case byte = 3
        case i16 = 4
        case i32 = 5
        case i64 = 6
        case double = 7
        case binary = 8
        case list = 9
        case set = 10
        case map = 11
        case structure = 12
    }

    /// The encoded bytes so far.
    public private(set) var bytes: [UInt8] = []
    var lastFieldID: Int16 = 0
    var fieldIDStack: [Int16] = []

    /// An empty writer at the top-level struct (last field id 0).
    public init() {}

    // MARK: Primitive values

    /// An unsigned LEB128 varint: 7 bits per byte, least significant first.
    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A signed value as a zigzag varint (0, -1, 1, -2 … become 0, 1, 2, 3 …).
    public mutating func writeZigzag(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func writeBinaryValue(_ value: some Collection<UInt8>) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    // MARK: Fields

    /// A field header: one byte when the id is 1…15 above the previous field's, else the type byte and the id.
    public mutating func writeFieldHeader(id: Int16, type: FieldType) {
        let delta = Int(id) - Int(lastFieldID)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta << 4) | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            writeZigzag(Int64(id))
        }
        lastFieldID = id
    }

    /// A bool field: the value lives in the field header's type (no payload).
    public mutating func writeBool(_ id: Int16, _ value: Bool) {
        writeFieldHeader(id: id, type: value ? .booleanTrue : .booleanFalse)
    }

    /// A byte field (`i8`): the header and the byte.
    public mutating func writeI8(_ id: Int16, _ value: Int8) {
        writeFieldHeader(id: id, type: .byte)
        bytes.append(UInt8(bitPattern: value))
    }

    /// An `i32` field: the header and a zigzag varint.
    public mutating func writeI32(_ id: Int16, _ value: Int32) {
        writeFieldHeader(id: id, type: .i32)
        writeZigzag(Int64(value))
    }

    /// An `i64` field: the header and a zigzag varint.
    public mutating func writeI64(_ id: Int16, _ value: Int64) {
        writeFieldHeader(id: id, type: .i64)
        writeZigzag(value)
    }

    /// A `binary` field: the header, a varint length and the bytes.
    public mutating func writeBinary(_ id: Int16, _ value: some Collection<UInt8>) {
        writeFieldHeader(id: id, type: .binary)
        writeBinaryValue(value)
    }

    /// A `string` field: a binary field of the UTF-8 bytes.
    public mutating func writeString(_ id: Int16, _ value: String) {
        writeBinary(id, Array(value.utf8))
    }

    /// A struct-valued field: the header, then the struct's fields written by `body`, then its stop byte.
    public mutating func writeStruct(_ id: Int16, _ body: (inout ThriftCompactWriter) -> Void) {
        writeFieldHeader(id: id, type: .structure)
        beginStruct()
        body(&self)
        endStruct()
    }

    /// An empty struct-valued field (how a Thrift union names an empty struct member, e.g. `StringType`).
    public mutating func writeEmptyStruct(_ id: Int16) {
        writeStruct(id) { _ in }
    }

    // MARK: Structs and lists

    /// Starts the fields of a nested struct (a struct field's value or a list element).
    public mutating func beginStruct() {
        fieldIDStack.append(lastFieldID)
        lastFieldID = 0
    }

    /// Ends a struct: the stop byte, and the enclosing struct's last field id back.
    public mutating func endStruct() {
        bytes.append(0)
        lastFieldID = fieldIDStack.popLast() ?? 0
    }

    /// A list header: the size in the high nibble when it is below 15, else 0xF and a varint size.
    public mutating func writeListHeader(id: Int16, elementType: FieldType, count: Int) {
        writeFieldHeader(id: id, type: .list)
        if count < 15 {
            bytes.append(UInt8(count << 4) | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            writeVarint(UInt64(count))
        }
    }

    /// A `list<i32>` field: the list header and one zigzag varint per value.
    public mutating func writeI32List(_ id: Int16, _ values: [Int32]) {
        writeListHeader(id: id, elementType: .i32, count: values.count)
        for v in values { writeZigzag(Int64(v)) }
    }

    /// A `list<string>` field: the list header and each string as varint length and UTF-8 bytes.
    public mutating func writeStringList(_ id: Int16, _ values: [String]) {
        writeListHeader(id: id, elementType: .binary, count: values.count)
        for v in values { writeBinaryValue(Array(v.utf8)) }
    }

    /// A list of structs, each written by `body`.
    public mutating func writeStructList<T>(_ id: Int16, _ values: [T], _ body: (inout ThriftCompactWriter, T) -> Void)
    {
        writeListHeader(id: id, elementType: .structure, count: values.count)
        for v in values {
            beginStruct()
            body(&self, v)
            endStruct()
        }
    }

    /// Ends the top-level struct (its stop byte).
    public mutating func finishTopLevelStruct() {
        bytes.append(0)
    }
}

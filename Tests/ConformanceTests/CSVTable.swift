import Foundation

/// A CSV file read the way Python's csv module writes it (RFC 4180 quoting, CRLF or LF line ends).
struct CSVTable {
    var header: [String]
    var rows: [[String: String]]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let records = Self.parse(Array(data))
        let header = records.first ?? []
        self.header = header
        rows = records.dropFirst().map { fields in
            var row: [String: String] = [:]
            for (i, name) in header.enumerated() { row[name] = i < fields.count ? fields[i] : "" }
            return row
        }
    }

    static func parse(_ bytes: [UInt8]) -> [[String]] {
        var records: [[String]] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let c = bytes[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(c)
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == UInt8(ascii: "\"") {
                quoted = true
            } else if c == UInt8(ascii: ",") {
                endField()
            } else if c == 10 || c == 13 {
                if c == 13 && i + 1 < bytes.count && bytes[i + 1] == 10 { i += 1 }
                endField()
                records.append(fields)
                fields.removeAll()
            } else {
                field.append(c)
            }
            i += 1
        }
        if !field.isEmpty || !fields.isEmpty {
            endField()
            records.append(fields)
        }
        return records
    }
}

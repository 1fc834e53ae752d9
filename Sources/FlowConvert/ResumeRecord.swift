import FlowPacket

#if canImport(Glibc)
import Glibc
#endif

/// What `--output-dir` keeps beside a complete output (`.NAME.done`) so that a later run can skip its input.
struct ResumeRecord: Equatable {
    /// The options that shape the output, as the manifest writes them.
    var options: String
    var input: ConvertManifest.Input
    var output: ConvertManifest.Output

    static let header = "flowmeter convert --output-dir record 1"

    /// One `key value` line per field.
    var text: String {
        func number<T: BinaryInteger>(_ value: T?) -> String { value.map { String($0) } ?? "-" }
        var lines: [String] = [Self.header]
        lines.append("options " + options)
        lines.append("input_size " + number(input.digest?.size))
        lines.append("input_sha256 " + (input.digest?.sha256 ?? "-"))
        lines.append("packets_read " + number(input.packetsRead))
        lines.append("ignored " + input.ignored.map { String($0) }.joined(separator: ","))
        lines.append("first_time_us " + number(input.firstMicroseconds))
        lines.append("last_time_us " + number(input.lastMicroseconds))
        lines.append("backward_packets " + String(input.backwardPackets))
        lines.append("backward_max_ms " + String(input.backwardMaxMilliseconds))
        let damage = input.damage.map { String($0.map { $0 == "\n" ? " " : $0 }) }
        lines.append("damage " + (damage ?? "-"))
        lines.append("format " + output.format)
        lines.append("rows " + String(output.rows))
        lines.append("columns " + String(output.columns))
        lines.append("output_size " + number(output.digest?.size))
        lines.append("output_sha256 " + (output.digest?.sha256 ?? "-"))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a record written by `text` (nil when it is missing or not one), for `input` and `output` as this run
    /// names them.
    static func read(from path: String, input: String, output: String) -> ResumeRecord? {
        guard let text = readSmallFile(path) else { return nil }
        var fields: [String: String] = [:]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == header else { return nil }
        for line in lines.dropFirst() {
            guard let space = line.firstIndex(of: " ") else { continue }
            fields[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        func integer(_ key: String) -> Int64? { fields[key].flatMap { Int64($0) } }
        func unsigned(_ key: String) -> UInt64? { fields[key].flatMap { UInt64($0) } }
        guard let options = fields["options"], let format = fields["format"], let rows = unsigned("rows"),
            let columns = integer("columns"), let inputSize = integer("input_size"),
            let inputHash = fields["input_sha256"], let outputSize = integer("output_size"),
            let outputHash = fields["output_sha256"]
        else { return nil }
        var entry = ConvertManifest.Input(path: input, digest: FileDigest(size: inputSize, sha256: inputHash))
        entry.packetsRead = unsigned("packets_read")
        entry.ignored = (fields["ignored"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard entry.ignored.count == DecodeOutcome.allCases.count else { return nil }
        entry.firstMicroseconds = integer("first_time_us")
        entry.lastMicroseconds = integer("last_time_us")
        entry.backwardPackets = unsigned("backward_packets") ?? 0
        entry.backwardMaxMilliseconds = unsigned("backward_max_ms") ?? 0
        entry.damage = fields["damage"].flatMap { $0 == "-" ? nil : $0 }
        entry.rows = rows
        entry.output = output
        let out = ConvertManifest.Output(
            path: output, format: format, rows: rows, columns: Int(columns),
            digest: FileDigest(size: outputSize, sha256: outputHash), input: input)
        return ResumeRecord(options: options, input: entry, output: out)
    }

    /// Writes the record beside its output, under a temporary name renamed when complete.
    func write(to path: String) throws {
        let temporary =
            InputOutputCheck.directory(of: path) + "/." + InputOutputCheck.lastComponent(of: path)
            + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OutputDirectory.Failure(message: "cannot write '\(temporary)': \(String(cString: strerror(errno)))")
        }
        var bytes = Array(text.utf8)
        let written = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let closed = close(fd)
        guard written == bytes.count, closed == 0, rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw OutputDirectory.Failure(message: "cannot write '\(path)': \(String(cString: strerror(e)))")
        }
        bytes.removeAll()
    }
}

/// The contents of a small file (up to 1 MiB), or nil.
private func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 1 << 20)
    var count = 0
    while count < bytes.count {
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        count += n
    }
    return String(decoding: bytes[0..<count], as: UTF8.self)
}

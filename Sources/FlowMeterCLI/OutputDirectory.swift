import FlowPacket

#if canImport(Glibc)
import Glibc
#endif

/// The outputs of `convert --output-dir DIR`: one per input, `DIR/<input file name>.<extension>`, and the record
/// that makes a run resumable.
///
/// An output is complete once it is renamed into place; right after, a small record is written beside it,
/// `DIR/.<output name>.done` (temporary name, then renamed), holding the options that shape the output, the
/// input's size and SHA-256, the output's size and SHA-256 and what the manifest says of both. A later run with
/// the same options skips an input when its record is there, names the same input bytes and the same options, and
/// the output still has the recorded size and SHA-256; every other input is converted again, over whatever is
/// there (the temporary files an interrupted run left, `.NAME.partial-PID`, are removed first). Because the record
/// is written per output, a run killed by any signal, even SIGKILL, resumes at the outputs it had not finished.
struct OutputDirectory {
    let directory: String
    /// csv, csv.gz, parquet or ipfix.
    let fileExtension: String

    /// Two inputs whose outputs would have the same name.
    struct Collision: Error, CustomStringConvertible {
        var output: String
        var first: String
        var second: String
        var description: String {
            "--output-dir: the inputs '\(first)' and '\(second)' would both be written to '\(output)' (outputs are "
                + "named after the input's file name): convert them into different directories, or rename one"
        }
    }

    /// The manifest every --output-dir run writes into `directory`.
    static func manifestPath(in directory: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + "manifest.json"
    }

    /// The output of `input`.
    func outputPath(for input: String) -> String {
        let name = InputOutputCheck.lastComponent(of: input)
        return (directory.hasSuffix("/") ? directory : directory + "/") + name + "." + fileExtension
    }

    /// The output of every input, in input order; throws `Collision` when two share one.
    func outputPaths(for inputs: [String]) throws -> [String] {
        var seen: [String: String] = [:]
        var paths: [String] = []
        for input in inputs {
            let path = outputPath(for: input)
            if let first = seen[path] { throw Collision(output: path, first: first, second: input) }
            seen[path] = input
            paths.append(path)
        }
        return paths
    }

    /// Creates the directory when it is not there (its parent must be).
    func create() throws {
        var st = stat()
        if stat(directory, &st) == 0 {
            if (st.st_mode & S_IFMT) != S_IFDIR {
                throw Failure(message: "--output-dir '\(directory)' is not a directory")
            }
            return
        }
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw Failure(
                message: "cannot create the output directory '\(directory)': \(String(cString: strerror(errno)))")
        }
    }

    /// A directory that cannot be used.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Where the record of `output` is kept.
    static func recordPath(for output: String) -> String {
        let directory = InputOutputCheck.directory(of: output)
        return directory + "/." + InputOutputCheck.lastComponent(of: output) + ".done"
    }

    /// Removes the record of `output` and the temporary files interrupted runs left for it.
    static func clearPartial(for output: String) {
        unlink(recordPath(for: output))
        let directory = InputOutputCheck.directory(of: output)
        let prefix = "." + InputOutputCheck.lastComponent(of: output) + ".partial-"
        guard let stream = opendir(directory) else { return }
        var stale: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(prefix), Int32(name.dropFirst(prefix.count)) != getpid() { stale.append(name) }
        }
        closedir(stream)
        for name in stale { unlink(directory + "/" + name) }
    }
}

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
func readSmallFile(_ path: String) -> String? {
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

import FlowCapture
import FlowDPI
import FlowPacket
import FlowStreamer
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

/// The manifest of a `convert` run (`--manifest FILE.json`, and `DIR/manifest.json` with `--output-dir`): the
/// versions of flowmeter and of the libraries that shape its output, every option, every input (size, SHA-256,
/// packets read and ignored by reason, first and last packet time, packets stamped backwards, damage) and every
/// output (format, rows, columns, size, SHA-256), the start and end time and the exit status. Keys come in a fixed
/// order and everything but `start_time` and `end_time` depends only on the inputs and the options.
public struct ConvertManifest {
    /// One input and what was read of it.
    struct Input: Equatable {
        var path: String
        var digest: FileDigest?
        /// nil when the input was not read (the run stopped before it).
        var packetsRead: UInt64?
        var ignored: [UInt64] = []
        var firstMicroseconds: Int64?
        var lastMicroseconds: Int64?
        var backwardPackets: UInt64 = 0
        var backwardMaxMilliseconds: UInt64 = 0
        var damage: String?
        /// The rows metered from it (each-file runs; nil when flows cross inputs).
        var rows: UInt64?
        /// Its own output (--output-dir).
        var output: String?

        init(path: String, digest: FileDigest?) {
            self.path = path
            self.digest = digest
        }

        /// Fills in what reading the input found.
        mutating func record(_ summary: ConversionReport.InputSummary) {
            packetsRead = summary.packetsRead
            ignored = summary.ignored
            firstMicroseconds = summary.firstMicroseconds
            lastMicroseconds = summary.lastMicroseconds
            backwardPackets = summary.backwardPackets
            backwardMaxMilliseconds = summary.backwardMaxMilliseconds
            damage = summary.damage.map { "\($0)" }
        }

        var json: ManifestJSON {
            var skipped: [(String, ManifestJSON)] = []
            for outcome in DecodeOutcome.allCases where outcome != .decoded {
                let name = "\(outcome)".replacingSpaces
                skipped.append((name, packetsRead == nil ? .null : .unsigned(ignored[Int(outcome.rawValue)])))
            }
            return .object([
                ("path", .string(path)),
                ("size", digest.map { .integer($0.size) } ?? .null),
                ("sha256", .text(digest?.sha256)),
                ("packets_read", packetsRead.map { .unsigned($0) } ?? .null),
                ("packets_skipped", .object(skipped)),
                ("first_time_us", firstMicroseconds.map { .integer($0) } ?? .null),
                ("last_time_us", lastMicroseconds.map { .integer($0) } ?? .null),
                (
                    "backward_time",
                    .object([
                        ("packets", .unsigned(backwardPackets)), ("max_ms", .unsigned(backwardMaxMilliseconds)),
                    ])
                ),
                ("damage", .text(damage)),
                ("rows", rows.map { .unsigned($0) } ?? .null),
                ("output", .text(output)),
            ])
        }
    }

    /// One output file (or standard output, or a collector).
    struct Output: Equatable {
        var path: String
        /// csv, csv.gz, parquet or ipfix.
        var format: String
        var rows: UInt64
        var columns: Int
        /// nil for standard output and collectors.
        var digest: FileDigest?
        /// The input it was converted from (--output-dir).
        var input: String?

        var json: ManifestJSON {
            .object([
                ("path", .string(path)),
                ("format", .string(format)),
                ("rows", .unsigned(rows)),
                ("columns", .integer(Int64(columns))),
                ("size", digest.map { .integer($0.size) } ?? .null),
                ("sha256", .text(digest?.sha256)),
                ("input", .text(input)),
            ])
        }
    }

    var options: [(String, ManifestJSON)]
    var startTime = Self.utcNow()
    var inputs: [Input] = []
    var outputs: [Output] = []

    /// The versions of flowmeter and of the C libraries it links.
    static var versions: ManifestJSON {
        .object([
            ("version", .string(FlowmeterVersion.current)),
            ("libpcap", .string(PcapHandle.libraryVersion)),
            ("ndpi", .text(ApplicationDetection.libraryVersion)),
            ("zlib", .string(GzipStream.libraryVersion)),
        ])
    }

    func document(exitStatus: Int32, endTime: String = Self.utcNow()) -> String {
        ManifestJSON.object([
            ("flowmeter", Self.versions),
            ("command", .string("convert")),
            ("options", .object(options)),
            ("inputs", .array(inputs.map(\.json))),
            ("outputs", .array(outputs.map(\.json))),
            ("start_time", .string(startTime)),
            ("end_time", .string(endTime)),
            ("exit_status", .integer(Int64(exitStatus))),
        ]).document
    }

    /// Writes the manifest to `path` under a temporary name, renamed when complete.
    func write(to path: String, exitStatus: Int32) throws {
        let sink = try FileSink(path: path)
        var text = document(exitStatus: exitStatus)
        do {
            try text.withUTF8 { try sink.write(UnsafeRawBufferPointer($0)) }
            try sink.finish()
        } catch {
            sink.abandon()
            throw error
        }
    }

    /// The time now in UTC, ISO 8601 with milliseconds: 2026-12-01T10:20:30.123Z.
    public static func utcNow() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let millis = String(Int(now.tv_nsec) / 1_000_000)
        let text = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text + "." + String(repeating: "0", count: 3 - millis.count) + millis + "Z"
    }
}

extension String {
    /// Spaces and hyphens as underscores: "not IP" → "not_IP", lower-cased.
    fileprivate var replacingSpaces: String {
        String(lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }
}

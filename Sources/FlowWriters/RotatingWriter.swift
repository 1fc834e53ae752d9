#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlowMeter

/// Live file rotation: rows go to a file until it holds `flows` rows or was opened `seconds` ago, then that file is
/// finished (complete, renamed into place; on a quiet link at the next ``idle()``) and the next row opens a new one. Every file starts with the schema's
/// header (CSV) or has its own footer (Parquet): each is whole on its own. `id`s continue across files.
///
/// File names: OUTPUT `dir/flows.csv.gz` gives `dir/flows-20261202T181700Z-000001.csv.gz`, … — the UTC time the
/// file was opened and a sequence number from 1, so names sort in order and never collide.
public final class RotatingWriter: FlowWriter {
    /// When to start a new file: after `flows` rows or `seconds` seconds, whichever comes first.
    public struct Policy: Sendable, Equatable {
        /// Rows per file (nil: no bound).
        public var flows: UInt64?
        /// Seconds a file stays open, checked when a row arrives (nil: no bound).
        public var seconds: Double?
        /// A policy; with both nil every row goes to one file.
        public init(flows: UInt64? = nil, seconds: Double? = nil) {
            self.flows = flows
            self.seconds = seconds
        }
    }

    let template: String
    let policy: Policy
    let open: (String) throws -> any FlowWriter
    let clock: () -> Double
    var schema: FlowSchema?
    var current: (any FlowWriter)?
    var openedAt = 0.0
    var rowsInFile: UInt64 = 0
    var sequence = 0
    /// Names of the files finished so far, in order.
    public private(set) var finishedPaths: [String] = []
    /// The file being written, nil between files.
    public private(set) var currentPath: String?

    /// `template` is the OUTPUT path the names derive from; `open` makes the writer of one file; `clock` gives the
    /// time in seconds since the epoch (the system's by default).
    public init(
        template: String, policy: Policy, clock: @escaping () -> Double = RotatingWriter.systemClock,
        open: @escaping (String) throws -> any FlowWriter
    ) {
        self.template = template
        self.policy = policy
        self.open = open
        self.clock = clock
    }

    /// Seconds since the epoch from `CLOCK_REALTIME`, the default clock.
    public static func systemClock() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The extensions kept at the end of a rotated name (longest first).
    static let extensions = [".csv.gz", ".parquet", ".ipfix", ".csv", ".gz"]

    /// The name of file number `sequence` opened at `time`.
    public static func path(template: String, time: Double, sequence: Int) -> String {
        let slash = template.lastIndex(of: "/")
        let directory = slash.map { String(template[...$0]) } ?? ""
        var name = slash.map { String(template[template.index(after: $0)...]) } ?? template
        var suffix = ""
        if let ext = extensions.first(where: { name.lowercased().hasSuffix($0) && name.count > $0.count }) {
            suffix = String(name.suffix(ext.count))
            name = String(name.dropLast(ext.count))
        }
        var seconds = time_t(time.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let stamp =
            "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
        let number = String(sequence)
        return directory + name + "-" + stamp + "-" + String(repeating: "0", count: max(0, 6 - number.count)) + number
            + suffix
    }

    /// Keeps the schema for every file and opens the first one.
    public func begin(schema: FlowSchema) throws {
        self.schema = schema
        try openNext()
    }

    func openNext() throws {
        guard let schema else { preconditionFailure("write before begin(schema:)") }
        sequence += 1
        openedAt = clock()
        let path = Self.path(template: template, time: openedAt, sequence: sequence)
        let writer = try open(path)
        do {
            try writer.begin(schema: schema)
        } catch {
            writer.abandon()
            throw error
        }
        current = writer
        currentPath = path
        rowsInFile = 0
    }

    func finishCurrent() throws {
        guard let writer = current else { return }
        current = nil
        try writer.finish()
        if let currentPath { finishedPaths.append(currentPath) }
        currentPath = nil
    }

    /// Writes `row` to the open file, first finishing it and opening the next when it is full or old enough.
    public func write(_ row: FlowRow) throws {
        if current == nil { try openNext() }
        if rowsInFile > 0 {
            let full = policy.flows.map { rowsInFile >= $0 } ?? false
            let old = policy.seconds.map { clock() - openedAt >= $0 } ?? false
            if full || old {
                try finishCurrent()
                try openNext()
            }
        }
        try current!.write(row)
        rowsInFile += 1
    }

    /// A quiet moment: the open file is finished when its time is up (the next row opens a new one), else the
    /// writer sends what it holds.
    public func idle() throws {
        if let seconds = policy.seconds, current != nil, rowsInFile > 0, clock() - openedAt >= seconds {
            try finishCurrent()
        } else {
            try current?.idle()
        }
    }

    /// Finishes the open file, if any.
    public func finish() throws {
        try finishCurrent()
    }

    /// Abandons the open file (files already finished stay).
    public func abandon() {
        current?.abandon()
        current = nil
    }
}

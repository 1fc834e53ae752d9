import FlowCapture
import FlowIngest

/// What both bench modes share: repetitions, the cores the measured processes are pinned to, the tshark executable
/// and the application detection of the measured meter.
public struct BenchConfiguration: Sendable {
    /// Repetitions of every measurement.
    public var repetitions: Int
    /// The cores the measured process (and the tshark it starts) is pinned to; nil: not pinned.
    public var cpus: CPUSet?
    /// The tshark executable for the tshark paths.
    public var tsharkPath: String
    /// Packets per flow given to nDPI in the measured meter (0: detection off).
    public var dissections: Int

    /// A configuration; the defaults are those of `flowmeter bench`.
    public init(repetitions: Int = 3, cpus: CPUSet? = nil, tsharkPath: String = "tshark", dissections: Int = 0) {
        self.repetitions = repetitions
        self.cpus = cpus
        self.tsharkPath = tsharkPath
        self.dissections = dissections
    }

    /// Throws a `BenchError` (the message of `PcapError.tsharkMissing`) when one of `paths` goes through tshark and
    /// there is no tshark at `tsharkPath`.
    public func checkTshark(for paths: [BenchPath]) throws(BenchError) {
        if paths.contains(where: { $0.ingest == .tshark }) && ChildProcess.which(tsharkPath) == nil {
            throw BenchError("\(PcapError.tsharkMissing(path: tsharkPath))")
        }
    }

    /// The metering options every measured flowmeter process gets.
    var meterArguments: [String] { ["--dissections", String(dissections)] }

    /// The `cpus` setting as recorded: the list as given, or "all".
    var cpusSetting: String { cpus?.text ?? "all" }
}

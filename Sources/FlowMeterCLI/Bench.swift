import ArgumentParser
import FlowCapture
import FlowStreamer
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure what feeding the flow meter costs through each ingestion path (direct, tshark, object).",
        discussion: """
            'bench offline' meters capture files; 'bench live' generates iperf3 traffic in a private network \
            namespace and captures it. Each path runs in its own child process, measured with wait4 (user and system \
            CPU, peak RSS) and a monotonic clock; --out DIR writes results.csv, results.json and SVG charts.
            """,
        subcommands: [BenchOffline.self, BenchLive.self, BenchChild.self])
}

/// Options shared by the bench subcommands.
struct BenchCommonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Repetitions of every measurement (the table shows means; charts add standard deviations).", valueName: "N"))
    var `repeat`: Int = 3

    @Option(help: ArgumentHelp("Write results.csv, results.json and SVG charts into this directory.", valueName: "DIR"))
    var out: String?

    @Option(help: ArgumentHelp("Pin the measured process (and the tshark it starts) to these cores, e.g. 0 or 0,1 or 0-1, to emulate a small board.", valueName: "LIST"))
    var cpus: String?

    @Option(help: ArgumentHelp("The tshark executable for the tshark paths.", valueName: "PATH"))
    var tsharkPath: String = "tshark"

    func validate() throws {
        guard (1...100).contains(`repeat`) else { throw ValidationError("--repeat must be between 1 and 100 (got \(`repeat`))") }
        if let cpus { _ = try CPUSet.parse(cpus) }
    }

    var cpuSet: CPUSet? { cpus.flatMap { try? CPUSet.parse($0) } }
}

/// An ingestion path as the bench names it: `tshark` uses the default PDML, `tshark-fields` the fields output.
struct BenchPath: Hashable {
    var ingest: IngestPath
    var format: TsharkFormat

    var name: String {
        switch ingest {
        case .direct, .object: return ingest.rawValue
        case .tshark: return format == .pdml ? "tshark" : "tshark-fields"
        }
    }

    var isSlow: Bool { ingest == .tshark }

    static func parseList(_ text: String) throws -> [BenchPath] {
        var paths: [BenchPath] = []
        for word in text.split(separator: ",").map({ String($0).trimmingSpaces }) where !word.isEmpty {
            let path: BenchPath
            switch word {
            case "direct": path = BenchPath(ingest: .direct, format: .pdml)
            case "object": path = BenchPath(ingest: .object, format: .pdml)
            case "tshark", "tshark-pdml": path = BenchPath(ingest: .tshark, format: .pdml)
            case "tshark-fields": path = BenchPath(ingest: .tshark, format: .fields)
            default:
                throw ValidationError("--paths: unknown path '\(word)' (known: direct, tshark, tshark-fields, object)")
            }
            if !paths.contains(path) { paths.append(path) }
        }
        if paths.isEmpty { throw ValidationError("--paths names no path") }
        return paths
    }

    /// The arguments that select this path in `convert`, `live` and the bench child.
    var arguments: [String] {
        ingest == .tshark ? ["--ingest", "tshark", "--tshark-format", format.rawValue] : ["--ingest", ingest.rawValue]
    }
}

/// A set of CPU cores for sched_setaffinity.
struct CPUSet {
    var cores: [Int]

    static func parse(_ text: String) throws -> CPUSet {
        var cores: [Int] = []
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_CONF))))
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int(String($0).trimmingSpaces) }
            guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, low <= high,
                low >= 0
            else { throw ValidationError("--cpus must be a list of cores like 0 or 0,2 or 0-1 (got '\(text)')") }
            guard high < online else {
                throw ValidationError("--cpus: core \(high) does not exist (this machine has cores 0-\(online - 1))")
            }
            cores += Array(low...high)
        }
        if cores.isEmpty { throw ValidationError("--cpus names no core") }
        return CPUSet(cores: Array(Set(cores)).sorted())
    }

    var description: String { cores.map(String.init).joined(separator: ",") }

    /// `executable` and `arguments` wrapped in `taskset -c LIST` (util-linux), which sets the CPU affinity
    /// (sched_setaffinity) and execs the program in the same process: wait4 still measures it, and every child
    /// it starts (tshark) inherits the pinning.
    func wrap(_ executable: String, _ arguments: [String]) throws -> (String, [String]) {
        guard let taskset = ChildProcess.which("taskset") else {
            throw ValidationError("--cpus needs taskset (Debian package util-linux)")
        }
        return (taskset, ["-c", description, executable] + arguments)
    }
}

/// One measured run of one path (or peer tool) on one trace or scenario.
struct BenchRun {
    var scenario: String
    var path: String
    var repetition: Int
    var wallSeconds: Double
    var userSeconds: Double
    var systemSeconds: Double
    var peakRSSKiB: Int
    var packetsCounted: UInt64
    var packetsSent: UInt64? = nil
    var flows: UInt64? = nil
    /// The slice a slow path was limited to (nil: the whole trace).
    var packetLimit: UInt64? = nil
    /// CPU seconds attributed to the capture window (live), when measured apart from start-up.
    var windowCPUSeconds: Double? = nil
    var windowSeconds: Double? = nil

    var cpuSeconds: Double { userSeconds + systemSeconds }
    var cpuPercent: Double {
        if let windowCPUSeconds, let windowSeconds, windowSeconds > 0 { return 100 * windowCPUSeconds / windowSeconds }
        return wallSeconds > 0 ? 100 * cpuSeconds / wallSeconds : 0
    }
    var packetsPerSecond: Double { wallSeconds > 0 ? Double(packetsCounted) / wallSeconds : 0 }
    var cpuMicrosecondsPerPacket: Double { packetsCounted > 0 ? 1e6 * cpuSeconds / Double(packetsCounted) : 0 }
    var lossPercent: Double? {
        guard let sent = packetsSent, sent > 0 else { return nil }
        return max(0, 100 * (Double(sent) - Double(packetsCounted)) / Double(sent))
    }
}

/// Mean and sample standard deviation.
struct MeanDeviation {
    var mean: Double
    var deviation: Double

    init(_ values: [Double]) {
        guard !values.isEmpty else {
            mean = 0
            deviation = 0
            return
        }
        let m = values.reduce(0, +) / Double(values.count)
        mean = m
        if values.count > 1 {
            deviation = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        } else {
            deviation = 0
        }
    }
}

/// Monotonic seconds.
func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The path of the running executable (children of bench run the same binary).
func currentExecutable() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    return CommandLine.arguments[0]
}

/// The number after `"key":` in a JSON text (the first occurrence after `after`, when given).
func jsonNumber(_ text: String, _ key: String, after anchor: String? = nil) -> Double? {
    var scope = Substring(text)
    if let anchor {
        guard let r = scope.firstRange(of: anchor) else { return nil }
        scope = scope[r.upperBound...]
    }
    guard let r = scope.firstRange(of: "\"\(key)\":") else { return nil }
    var rest = scope[r.upperBound...].drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" })
    var number = ""
    while let c = rest.first, c.isNumber || c == "." || c == "-" || c == "e" || c == "E" || c == "+" {
        number.append(c)
        rest = rest.dropFirst()
    }
    return Double(number)
}

/// Hidden: one offline measurement in its own process (started by `bench offline`). Meters the trace through one
/// path with one meter thread, writes nothing, and prints one JSON line: packets, flows, and this process's and
/// its children's peak RSS.
struct BenchChild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-offline", abstract: "One offline measurement (used by bench offline).",
        shouldDisplay: false)

    @Argument var inputs: [String]
    @OptionGroup var ingest: IngestOptions
    @OptionGroup var meter: MeterOptions
    @Option var maxPackets: UInt64?

    func run() throws {
        installSignalHandlers()
        var configuration = try meter.streamerConfiguration(bpf: nil)
        configuration.threads = meter.threads ?? 1
        ingest.apply(to: &configuration)
        configuration.packetLimit = maxPackets
        let writer: CSVWriter
        do {
            writer = try CSVWriter(path: "/dev/null", gzip: false, configuration: configuration.meter)
        } catch {
            fail("\(error)", code: 1)
        }
        let report: ConversionReport
        do {
            report = try FlowStreamer(configuration: configuration).convert(inputs: inputs, writer: writer)
        } catch {
            fail("\(error)", code: 1)
        }
        if let inputError = report.inputError {
            fail("\(inputError)", code: 3)
        }
        var own = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &own)
        var children = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &children)
        print(
            "{\"packets\":\(report.packetsRead),\"flows\":\(report.flowsWritten),\"self_maxrss_kib\":\(own.ru_maxrss),\"children_maxrss_kib\":\(children.ru_maxrss)}"
        )
    }
}

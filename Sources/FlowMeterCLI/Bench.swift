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

    @Option(help: ArgumentHelp("Application detection in the measured meter: packets per flow given to nDPI (0 = off, the default here, so that the paths differ only by how packets come in; 20 is convert's default).", valueName: "N"))
    var dissections: Int = 0

    func validate() throws {
        guard (1...100).contains(`repeat`) else { throw ValidationError("--repeat must be between 1 and 100 (got \(`repeat`))") }
        guard (0...255).contains(dissections) else {
            throw ValidationError("--dissections must be between 0 and 255 (got \(dissections))")
        }
        if let cpus { _ = try CPUSet.parse(cpus) }
    }

    var cpuSet: CPUSet? { cpus.flatMap { try? CPUSet.parse($0) } }

    /// The metering options every measured flowmeter process gets.
    var meterArguments: [String] { ["--dissections", String(dissections)] }
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

import ArgumentParser
import FlowBench
import FlowConvert
import FlowStreamer

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",  // explicit: a derived name costs a runtime type lookup
        abstract: "Measure what feeding the flow meter costs through each ingestion path (direct, tshark, object).",
        discussion: """
            'bench offline' meters capture files; 'bench live' generates iperf3 traffic in a private network \
            namespace and captures it. Each path runs in its own child process, measured with wait4 (user and system \
            CPU, peak RSS) and a monotonic clock; --out DIR writes results.csv, results.json and SVG charts.
            """,
        subcommands: [BenchOffline.self, BenchLive.self, BenchChild.self])
}

/// What `body` returns; the `BenchError` of an option value FlowBench cannot parse becomes a usage error (its
/// message, the usage, status 64).
func validated<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as BenchError {
        throw ValidationError(error.description)
    }
}

import ArgumentParser
import FlowBench
import FlowConvert
import FlowStreamer

/// Hidden: one offline measurement in its own process (started by `bench offline`). Meters the trace through one
/// path with one meter thread, writes nothing, and prints one JSON line (`BenchChildReport`): packets, flows, and
/// this process's and its children's peak RSS.
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
        OfflineBenchChild(inputs: inputs, configuration: configuration).run()
    }
}

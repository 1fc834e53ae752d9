import ArgumentParser
import FlowStreamer
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

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
            writer = try CSVWriter(path: "/dev/null", gzip: false)
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

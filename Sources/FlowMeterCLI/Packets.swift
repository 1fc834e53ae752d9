import ArgumentParser
import FlowConvert
import FlowFeatures
import FlowStreamer

/// `flowmeter packets`: one row per packet, joined to `convert`'s flow rows by `flow_id`.
struct Packets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "packets",  // explicit: a derived name costs a runtime type lookup
        abstract:
            "Write one row per packet (CSV, gzip CSV or Parquet), each with the id of its flow in convert's output.",
        discussion: """
            The columns: id, timestamp, flow_id, direction, MACs, IP version, addresses, protocol number and name, \
            ports, TTL/hop limit, IP, transport and payload lengths, TCP flags, window, sequence and acknowledgement \
            numbers, checksums, UDP length, VLAN and tunnel ids (and label with --labels). flow_id is the id of the \
            packet's flow in 'flowmeter convert' of the same inputs with the same options (timeouts, --max-flows, \
            --tcp-termination, feature sets that end flows, --no-tunnels, --bpf, --time-unit), so the two tables \
            join. The inputs are read twice (first to meter the flows), so they must be files, not '-'.
            """)

    @Argument(help: ArgumentHelp("Capture files (pcap or pcapng) or directories of captures.", valueName: "INPUT"))
    var inputs: [String]

    @OptionGroup var out: OutputOptions

    @OptionGroup var meter: MeterOptions

    @OptionGroup var labels: LabelOptions

    @Flag(help: "Search the subdirectories of a directory INPUT too.")
    var recursive = false

    @OptionGroup var chatter: QuietOption

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one INPUT capture") }
        if inputs.contains("-") {
            throw ValidationError(
                "packets reads its inputs twice: '-' (standard input) cannot be read again; save the capture to a file")
        }
        if out.outputOption == nil { throw ValidationError("give the output with -o FILE (or -o -)") }
        if out.settings.effectiveFormat == .ipfix {
            throw ValidationError("packets writes CSV, gzip CSV or Parquet, not IPFIX")
        }
    }

    func run() throws {
        installSignalHandlers()
        var configuration = PacketsRun.firstPassConfiguration(meter: meter.settings, bpf: out.bpf)
        labels.adapt(&configuration)
        out.settings.checkAnonymization()
        var run = PacketsRun(inputs: inputs, out: out.settings)
        (run.recursive, run.quiet, run.labelled) = (recursive, chatter.quiet, labels.labels != nil)
        let status = run.run(configuration: configuration)
        if status != 0 { throw ExitCode(status) }
    }
}

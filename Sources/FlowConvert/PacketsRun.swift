import FlowDataset
import FlowFeatures
import FlowStreamer
import FlowWriters

/// One `flowmeter packets` run, its options resolved: meters the inputs once to number their flows as `convert`
/// does, then reads them again and writes one row per packet with the id of its flow. An input or output that
/// cannot be used ends the process (`fail`); `run` returns the exit status otherwise.
public struct PacketsRun {
    /// The inputs as given: files and directories of captures.
    public var inputs: [String]
    /// The output, its format and options.
    public var out: OutputSettings
    /// `--recursive`: search the subdirectories of a directory input too.
    public var recursive = false
    /// `-q`: no summary line.
    public var quiet = false
    /// Whether the rows get the `label` column (`--labels`).
    public var labelled = false

    /// A run of `inputs` into `out`; the other options take their defaults.
    public init(inputs: [String], out: OutputSettings) {
        self.inputs = inputs
        self.out = out
    }

    /// The configuration of the first pass: the flows' boundaries are all it needs, so no application detection
    /// and no columns that cannot end a flow (of the built-in sets, only cic ends flows); one meter thread (the
    /// recorder numbers flows as they start).
    public static func firstPassConfiguration(meter: MeterSettings, bpf: String?) -> StreamerConfiguration {
        var configuration = StreamerConfiguration()
        configuration.meter = meter.meterConfiguration
        configuration.bpfFilter = bpf
        configuration.threads = 1
        if meter.featureSetNames.contains("cic") {
            configuration.plugins = [CICFlowMeterPlugin(timeUnit: meter.timeUnit)]
        }
        return configuration
    }

    /// Writes the packet table with `configuration` (the first pass's: one meter thread, only the plugins that
    /// can end a flow) and returns the exit status: 0, or 3 when an input was damaged part-way.
    public func run(configuration: StreamerConfiguration) -> Int32 {
        var configuration = configuration
        let map = PacketTable.FlowMap()
        configuration.plugins.append(PacketTable.Recorder(map: map))
        do {
            try InputOutputCheck(inputs: inputs).check(option: "-o", output: out.output)
        } catch {
            fail("\(error)", code: 64)
        }
        let listed: CaptureInputs
        do {
            listed = try CaptureInputs.expand(inputs, recursive: recursive)
            try InputOutputCheck(inputs: listed.paths).check(option: "-o", output: out.output)
        } catch {
            fail("\(error)", code: 1)
        }
        if let note = listed.skippedNote { printError(note) }
        let streamer = FlowStreamer(configuration: configuration)
        let flows: ConversionReport
        do {
            flows = try streamer.convert(inputs: listed.paths, writer: PacketTable.IdentityWriter(map: map))
        } catch {
            fail("\(error)", code: 1)
        }
        if flows.interrupted { fail("interrupted: no packet table written", code: 130) }
        let writer: any FlowWriter
        do {
            writer = try out.makeWriter(metadata: [
                ("flowmeter.version", FlowmeterVersion.current), ("flowmeter.command", "packets"),
            ])
        } catch {
            fail("\(error)", code: 1)
        }
        let report: PacketTable.Report
        do {
            report = try PacketTable.writePackets(
                inputs: listed.paths, configuration: configuration, map: map, writer: writer, labels: labelled)
            try writer.finish()
        } catch {
            writer.abandon()
            fail("\(error)", code: error is PacketTable.Interrupted ? 130 : 1)
        }
        if !quiet {
            let skipped = report.skipped.reduce(0, +)
            printError(
                "packets: \(report.rows) packet rows of \(flows.flowsWritten) flows; \(skipped) records not metered (not IP, truncated, fragments …)"
            )
        }
        if !flows.damagedInputs.isEmpty {
            for damage in flows.damagedInputs { printError("\(damage.error)") }
            return 3
        }
        return 0
    }
}

import ArgumentParser
import FlowConvert
import FlowStreamer

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",  // explicit: a derived name costs a runtime type lookup
        abstract: "Convert pcap/pcapng captures to one CSV row per flow.",
        discussion: """
            Several inputs are read in the order given as one capture: flows continue across files. \
            A directory stands for the pcap and pcapng files in it (recognised by their first bytes, taken in \
            name order; --recursive searches subdirectories too). '-' reads a capture from standard input. \
            The output is gzip-compressed when its name ends in .gz or with --gzip; '-o -' writes to standard \
            output. The file is written under a temporary name and renamed when complete; an output that is one \
            of the inputs is refused. An input damaged part-way keeps the flows read from it and the next input \
            is read (exit status 3 at the end, every damaged input listed); --stop-on-damage stops at the first.

            Datasets: --each-file meters every input as its own capture (no flow and no clock crosses files) and \
            adds a 'source' column after 'id' naming the input of each flow; rows stay in input order and 'id' \
            continues. --output-dir DIR writes one output per input instead (DIR/NAME.csv, .csv.gz, .parquet or \
            .ipfix after the input's file name, ids from 0 in each, DIR/manifest.json beside them) and a re-run \
            skips the inputs whose complete output is already there with the same options (resume). --jobs N \
            converts N inputs at once (each with --threads meter threads, 1 by default when N > 1); the output \
            is byte-identical for every N. --manifest FILE.json records versions, options, every input (size, \
            SHA-256, packets, first and last time, damage) and output (rows, columns, SHA-256).
            """)

    @Argument(
        help: ArgumentHelp(
            "Capture files (pcap or pcapng), directories of captures, or '-' for standard input.",
            valueName: "INPUT"))
    var inputs: [String]

    @OptionGroup var out: OutputOptions

    @Option(
        help: ArgumentHelp(
            "Write one output per input into DIR (created if missing), named after the input's file name: DIR/NAME.csv (.csv.gz with --gzip, .parquet or .ipfix with --format); implies --each-file; writes DIR/manifest.json; a re-run skips the inputs whose complete output is already there.",
            valueName: "DIR"))
    var outputDir: String?

    @Flag(
        help:
            "Meter each input as its own capture (flows and the packet clock never cross inputs) and add a 'source' column after 'id': the input of each flow. Rows in input order, 'id' continuing."
    )
    var eachFile = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Inputs converted at once with --each-file or --output-dir, 1 to 64 (default: the number of cores). Each meters with --threads threads (default 1 when N > 1). Output is byte-identical for every N.",
            valueName: "N"))
    var jobs: Int?

    @Option(
        help: ArgumentHelp(
            "Write a JSON record of the run: versions, every option, every input (size, SHA-256, packets read and skipped, first and last time, damage) and output (rows, columns, SHA-256), start and end time, exit status.",
            valueName: "FILE.json"))
    var manifest: String?

    @OptionGroup var meter: MeterOptions

    @OptionGroup var ingest: IngestOptions

    @OptionGroup var labels: LabelOptions

    @Flag(help: "Search the subdirectories of a directory INPUT too (depth first, in name order).")
    var recursive = false

    @Flag(help: "Stop at the first input damaged part-way (by default the next inputs are still read).")
    var stopOnDamage = false

    @OptionGroup var chatter: QuietOption

    /// The options as FlowConvert's run, which checks them and converts.
    var convertRun: ConvertRun {
        var run = ConvertRun(inputs: inputs, out: out.settings, meter: meter.settings)
        (run.outputDir, run.eachFile, run.jobs, run.manifest) = (outputDir, eachFile, jobs, manifest)
        (run.recursive, run.stopOnDamage, run.quiet, run.bpf) = (recursive, stopOnDamage, chatter.quiet, out.bpf)
        run.ingest = (ingest.ingest, ingest.tsharkFormat, ingest.tsharkPath)
        run.labels = (labels.labels, labels.defaultLabel, labels.labelTime)
        return run
    }

    func validate() throws { try validating { try convertRun.validate() } }

    func run() throws {
        installSignalHandlers()
        let startTime = ConvertManifest.utcNow()
        let run = convertRun
        var configuration = try meter.streamerConfiguration(bpf: out.bpf)
        ingest.apply(to: &configuration)
        labels.adapt(&configuration)
        out.settings.checkAnonymization()
        out.settings.adapt(&configuration)
        configuration.stopOnDamage = stopOnDamage
        if run.eachFileMode { configuration.threads = run.threadsPerJob }
        let status = run.run(streamer: FlowStreamer(configuration: configuration), startTime: startTime)
        if status != 0 { throw ExitCode(status) }
    }
}

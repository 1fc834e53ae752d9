import ArgumentParser
import FlowCapture
import FlowStreamer
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    /// The largest --jobs.
    static let maxJobs = 64

    /// --each-file, or implied by --output-dir.
    var eachFileMode: Bool { eachFile || outputDir != nil }

    /// --jobs, or the number of online cores in each-file mode (1 otherwise).
    var jobCount: Int {
        if let jobs { return jobs }
        guard eachFileMode else { return 1 }
        return min(Self.maxJobs, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// Meter threads per conversion: --threads, else 1 when several inputs are converted at once, else the cores.
    var threadsPerJob: Int {
        if meter.threads == nil && jobCount > 1 { return 1 }
        return meter.threadCount
    }

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one INPUT capture") }
        if inputs.filter({ $0 == "-" }).count > 1 { throw ValidationError("'-' (standard input) can be given once") }
        if ingest.ingest == .tshark {
            if let bpf = out.bpf {
                throw ValidationError(
                    "--bpf '\(bpf)' cannot be used with --ingest tshark: tshark applies no capture filter when it "
                        + "reads a file; drop --bpf, or use --ingest direct or object")
            }
            if inputs.contains("-") {
                throw ValidationError(
                    "--ingest tshark cannot read standard input ('-'): it reads capture files by name; save the "
                        + "capture to a file, or use --ingest direct or object")
            }
        }
        switch (out.outputOption, outputDir) {
        case (nil, nil):
            throw ValidationError("give the output: -o OUTPUT (one output), or --output-dir DIR (one output per input)")
        case (.some(let output), .some(let directory)):
            throw ValidationError(
                "-o '\(output)' and --output-dir '\(directory)' cannot be used together: -o writes every input to one "
                    + "output, --output-dir one output per input; give one of them")
        default: break
        }
        if let outputDir {
            if outputDir.isEmpty { throw ValidationError("--output-dir must name a directory") }
            if inputs.contains("-") {
                throw ValidationError(
                    "--output-dir names each output after its input, and standard input ('-') has no name: save the "
                        + "capture to a file, or use -o")
            }
        }
        if let jobs {
            guard (1...Self.maxJobs).contains(jobs) else {
                throw ValidationError("--jobs must be between 1 and \(Self.maxJobs) (got \(jobs))")
            }
            if jobs > 1 && !eachFileMode {
                throw ValidationError(
                    "--jobs \(jobs) converts inputs in parallel, which needs --each-file or --output-dir (each input "
                        + "its own capture); add --each-file, or drop --jobs (--threads sets the meter threads)")
            }
        }
        if let manifest, manifest.isEmpty || manifest == "-" || manifest.hasSuffix("/") {
            throw ValidationError("--manifest must name a file, e.g. run.json (got '\(manifest)')")
        }
    }

    func run() throws {
        installSignalHandlers()
        let startTime = ConvertManifest.utcNow()
        var configuration = try meter.streamerConfiguration(bpf: out.bpf)
        ingest.apply(to: &configuration)
        labels.adapt(&configuration)
        out.checkAnonymization()
        out.adapt(&configuration)
        configuration.stopOnDamage = stopOnDamage
        if eachFileMode { configuration.threads = threadsPerJob }
        let streamer = FlowStreamer(configuration: configuration)

        // No output may be an input: checked against the inputs as named before any directory is searched, then
        // against the captures found in the directories.
        checkOutputs(against: inputs, outputs: [])
        let listed: CaptureInputs
        do {
            listed = try CaptureInputs.expand(inputs, recursive: recursive)
        } catch {
            fail("\(error)", code: 1)
        }
        let inputs = listed.paths
        var directoryOutputs: [String] = []
        if let outputDir {
            do {
                directoryOutputs = try OutputDirectory(directory: outputDir, fileExtension: out.fileExtension)
                    .outputPaths(for: inputs)
            } catch {
                fail("\(error)", code: 64)
            }
        }
        checkOutputs(against: inputs, outputs: directoryOutputs)
        if let note = listed.skippedNote { printError(note) }

        do {
            try streamer.validate(inputs: inputs)
        } catch {
            fail("\(error)", code: 1)
        }
        var record = ConvertManifest(options: manifestOptions(inputs: inputs), startTime: startTime)
        let wantsManifest = manifest != nil || outputDir != nil
        if wantsManifest {
            // Hashed before anything is written: the manifest and a resumed run need the inputs' SHA-256.
            for input in inputs {
                do {
                    record.inputs.append(ConvertManifest.Input(path: input, digest: try FileDigest.of(input)))
                } catch {
                    fail("\(error)", code: 1)
                }
            }
        }
        let status: Int32
        if let outputDir {
            status = convertToDirectory(
                outputDir, inputs: inputs, outputs: directoryOutputs, streamer: streamer, record: &record)
        } else if eachFile {
            status = convertEachFile(inputs: inputs, streamer: streamer, record: &record)
        } else {
            status = convertTogether(inputs: inputs, streamer: streamer, record: &record)
        }
        if wantsManifest {
            var paths = outputDir.map { [OutputDirectory.manifestPath(in: $0)] } ?? []
            if let manifest { paths.append(manifest) }
            for path in paths {
                do {
                    try record.write(to: path, exitStatus: status)
                } catch {
                    fail("cannot write the manifest: \(error)", code: 1)
                }
            }
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Exits with status 64 when `-o`, `--manifest`, DIR/manifest.json or one of `outputs` is one of `inputs`,
    /// or when the manifest is the output.
    func checkOutputs(against inputs: [String], outputs: [String]) {
        let check = InputOutputCheck(inputs: inputs)
        do {
            if let output = out.outputOption { try check.check(option: "-o", output: output) }
            for output in outputs { try check.check(option: "--output-dir", output: output) }
            if let outputDir {
                try check.check(option: "--output-dir", output: OutputDirectory.manifestPath(in: outputDir))
            }
            if let manifest {
                try check.check(option: "--manifest", output: manifest)
                let target = InputOutputCheck.pathToCreate(manifest) ?? manifest
                for output in outputs + [out.output] + (outputDir.map { [OutputDirectory.manifestPath(in: $0)] } ?? [])
                where output != "-" && !output.isEmpty
                    && (output == manifest || InputOutputCheck.pathToCreate(output) == target)
                {
                    throw ValidationError(
                        "--manifest '\(manifest)' is also the output '\(output)': name the manifest apart from the outputs"
                    )
                }
            }
        } catch {
            fail("\(error)", code: 64)
        }
    }

    /// Every input in order as one capture, into `-o`.
    func convertTogether(inputs: [String], streamer: FlowStreamer, record: inout ConvertManifest) -> Int32 {
        let writer = openOutput()
        let progress = ProgressLine(enabled: !chatter.quiet && isatty(2) != 0)
        let report: ConversionReport
        do {
            report = try streamer.convert(inputs: inputs, writer: writer, progress: progress.update)
        } catch {
            progress.clear()
            fail("\(error)", code: 1)
        }
        progress.clear()
        for (i, summary) in report.inputs.enumerated() where i < record.inputs.count {
            record.inputs[i].record(summary)
        }
        noteOutput(rows: report.flowsWritten, columns: streamer.schema.columns.count, record: &record)
        return conclude(report, inputs: inputs)
    }

    /// Every input as its own capture, into `-o`, with the `source` column.
    func convertEachFile(inputs: [String], streamer: FlowStreamer, record: inout ConvertManifest) -> Int32 {
        let writer = openOutput()
        let progress = ProgressLine(enabled: !chatter.quiet && isatty(2) != 0)
        let results: [EachFileResult]
        do {
            results = try streamer.convertEachFile(
                inputs: inputs, writer: writer, jobs: jobCount, spoolDirectory: spoolDirectory,
                progress: progress.update)
        } catch {
            progress.clear()
            fail("\(error)", code: 1)
        }
        progress.clear()
        var total = ConversionReport()
        for (i, result) in results.enumerated() {
            guard let report = result.report, result.written else { continue }
            total.add(report)
            if i < record.inputs.count, let summary = report.inputs.first {
                record.inputs[i].record(summary)
                record.inputs[i].rows = result.rows
            }
        }
        noteOutput(rows: total.flowsWritten, columns: streamer.eachFileSchema.columns.count, record: &record)
        return conclude(total, inputs: inputs)
    }

    /// The writer of `-o` (exit 1 when it cannot be opened).
    func openOutput() -> any FlowWriter {
        do {
            return try out.makeWriter(metadata: outputMetadata)
        } catch {
            fail("\(error)", code: 1)
        }
    }

    /// Where a parallel each-file run keeps the rows of the inputs not yet written: beside a file output, else
    /// $TMPDIR (or /tmp).
    var spoolDirectory: String {
        let output = out.output
        if output != "-" && !out.isCollector { return InputOutputCheck.directory(of: output) }
        return getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    /// Adds `-o` to the manifest.
    func noteOutput(rows: UInt64, columns: Int, record: inout ConvertManifest) {
        guard manifest != nil else { return }
        let digest = out.isCollector ? nil : (try? FileDigest.of(out.output)) ?? nil
        record.outputs.append(
            ConvertManifest.Output(
                path: out.output, format: out.fileExtension, rows: rows, columns: columns, digest: digest, input: nil))
    }

    /// Prints what the run found (backward time, damage, interruption, the summary) and returns the exit status.
    func conclude(_ report: ConversionReport, inputs: [String]) -> Int32 {
        for jump in report.backwardTime { printError(Self.warning(jump, eachFile: eachFileMode)) }
        for damage in report.damagedInputs { printError("\(damage.error)") }
        if report.interrupted {
            printError(
                "interrupted: wrote the \(report.flowsWritten) flows metered from the first \(report.packetsRead) packets to '\(out.output)'; the rest of the input was not read"
            )
            return 130
        }
        if let first = report.damagedInputs.first {
            if stopOnDamage {
                if let index = inputs.firstIndex(of: first.input), index + 1 < inputs.count {
                    let left = inputs.count - index - 1
                    let after = left == 1 ? "the 1 input after it was" : "the \(left) inputs after it were"
                    printError("stopped at the damaged input '\(first.input)' (--stop-on-damage): \(after) not read")
                }
            } else if inputs.count > 1 {
                let damaged = report.damagedInputs.count
                printError(
                    "\(damaged) of \(inputs.count) inputs \(damaged == 1 ? "is" : "are") damaged (listed above); "
                        + "the inputs after each were still read, and the \(report.flowsWritten) flows of every "
                        + "packet read were written to '\(out.output)' (--stop-on-damage stops at the first)")
            }
            return 3
        }
        if !chatter.quiet && isatty(2) != 0 {
            printError(
                "\(report.packetsRead) packets, \(report.packetsIgnored) ignored, \(report.flowsWritten) flows written to '\(out.output)'"
                    + (report.flowsEvicted > 0 ? ", \(report.flowsEvicted) evicted early by --max-flows" : "")
            )
        }
        return 0
    }

    /// The warning for an input with packets stamped before the latest time already seen.
    static func warning(_ jump: ConversionReport.BackwardTime, eachFile: Bool = false) -> String {
        let packets = jump.packets == 1 ? "1 packet is" : "\(jump.packets) packets are"
        let earlier = eachFile ? "a packet before it in the same input" : "the latest time already seen"
        let advice =
            eachFile
            ? "the capture itself is out of order" : "give the inputs in time order, or convert them with --each-file"
        return "warning: '\(jump.input)': \(packets) stamped earlier than \(earlier), by up to "
            + "\(jump.maxMilliseconds) ms; as in NFStream they were metered at that latest time, so durations and "
            + "inter-arrival times shrink (\(advice))"
    }
}

extension ConversionReport {
    /// Adds the counts of another input's report (each-file runs).
    mutating func add(_ other: ConversionReport) {
        packetsRead += other.packetsRead
        packetsMetered += other.packetsMetered
        for i in ignored.indices { ignored[i] += other.ignored[i] }
        flowsWritten += other.flowsWritten
        peakActiveFlows = Swift.max(peakActiveFlows, other.peakActiveFlows)
        flowsEvicted += other.flowsEvicted
        damagedInputs += other.damagedInputs
        backwardTime += other.backwardTime
        inputs += other.inputs
        interrupted = interrupted || other.interrupted
    }
}

func printError(_ message: String) {
    var text = "flowmeter: " + message + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String, code: Int32) -> Never {
    printError(message)
    exit(code)
}

/// SIGPIPE and SIGXFSZ become write errors with a message; SIGINT and SIGTERM stop the run cleanly.
func installSignalHandlers() {
    signal(SIGPIPE, SIG_IGN)
    signal(SIGXFSZ, SIG_IGN)  // a file-size limit becomes EFBIG on write: a message, not a silent death
    installInterruptHandlers()
}

func installInterruptHandlers() {
    // Inputs read through pipes wait in poll together with ReadInterruption's wake pipe, which the handler writes:
    // an interrupted `convert -` stops at once, whichever thread takes the signal and whenever it comes. No
    // SA_RESTART either, so other blocking calls return EINTR.
    ReadInterruption.prepare()
    var action = sigaction()
    // The first signal asks for a clean stop (flows flushed, output finished). A second one, while that stop is
    // still going (a large flush, an output that does not drain), ends the process at once: the temporary output
    // file is removed, nothing is renamed into place, status 130.
    action.__sigaction_handler.sa_handler = { _ in
        if interruptRequested.exchange(true, ordering: .relaxed) {
            PartialOutput.removeFromSignalHandler()
            let message: StaticString = "flowmeter: interrupted again: stopped at once, the output was not finished\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
            _exit(130)
        }
        ReadInterruption.request()
    }
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGINT, &action, nil)
    sigaction(SIGTERM, &action, nil)
    // A parent may have started us with these signals blocked; we want them.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigaddset(&unblock, SIGTERM)
    sigprocmask(SIG_UNBLOCK, &unblock, nil)
}

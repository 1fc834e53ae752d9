import FlowCapture
import FlowDataset
import FlowIngest
import FlowStreamer
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

/// One `flowmeter convert` run, its options resolved: lists the inputs (directories searched), refuses an output
/// that is an input, converts every input as one capture, each as its own (`eachFile`) or each into its own file
/// (`outputDir`, resuming an earlier run), records the manifest, and reports on stderr what happened. An input or
/// output that cannot be used ends the process (`fail`); `run` returns the exit status otherwise.
public struct ConvertRun {
    /// The largest `jobs`.
    public static let maxJobs = 64

    /// The inputs as given: files, directories of captures, `-`.
    public var inputs: [String]
    /// The output, its format and options (`-o` is nil with `--output-dir`).
    public var out: OutputSettings
    /// The metering options (for the manifest and the Parquet metadata, and the threads of each job).
    public var meter: MeterSettings
    /// `--output-dir`: one output per input in this directory.
    public var outputDir: String?
    /// `--each-file`: each input its own capture, into `-o`.
    public var eachFile = false
    /// `--jobs`: inputs converted at once (each-file modes), when given.
    public var jobs: Int?
    /// `--manifest FILE.json`.
    public var manifest: String?
    /// `--recursive`: search the subdirectories of a directory input too.
    public var recursive = false
    /// `--stop-on-damage`.
    public var stopOnDamage = false
    /// `-q`: no progress line and no summary.
    public var quiet = false
    /// `--bpf`.
    public var bpf: String?
    /// `--ingest`, `--tshark-format` and `--tshark-path`.
    public var ingest: (path: IngestPath, tsharkFormat: TsharkFormat, tsharkPath: String) = (.direct, .pdml, "tshark")
    /// `--labels`, `--default-label` and `--label-time`.
    public var labels: (rules: String?, defaultLabel: String?, time: LabelRules.TimeMatch?) = (nil, nil, nil)

    /// A run of `inputs` into `out`, metered with `meter`; the other options take their defaults.
    public init(inputs: [String], out: OutputSettings, meter: MeterSettings) {
        self.inputs = inputs
        self.out = out
        self.meter = meter
    }

    /// --each-file, or implied by --output-dir.
    public var eachFileMode: Bool { eachFile || outputDir != nil }

    /// --jobs, or the number of online cores in each-file mode (1 otherwise).
    public var jobCount: Int {
        if let jobs { return jobs }
        guard eachFileMode else { return 1 }
        return min(Self.maxJobs, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// Meter threads per conversion: --threads, else 1 when several inputs are converted at once, else the cores.
    public var threadsPerJob: Int {
        if meter.threads == nil && jobCount > 1 { return 1 }
        return meter.threadCount
    }

    /// Options out of range or that do not go together.
    public struct Invalid: Error, CustomStringConvertible {
        /// What is wrong and how to fix it.
        public var description: String
    }

    /// Converts with `streamer` (`startTime` is when the run started, for the manifest) and returns the exit
    /// status: 0, 1 (an output error part-way), 3 (a damaged input), 130 (interrupted).
    public func run(streamer: FlowStreamer, startTime: String) -> Int32 {
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
        let wantsManifest = manifest != nil || outputDir != nil
        // The options go only into the manifest: a run without one does not work them out.
        var record = ConvertManifest(options: wantsManifest ? manifestOptions() : [], startTime: startTime)
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
        return status
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
                    throw OutputDirectory.Failure(
                        message:
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
        let progress = ProgressLine(enabled: !quiet && isatty(2) != 0)
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
        let progress = ProgressLine(enabled: !quiet && isatty(2) != 0)
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
        if !quiet && isatty(2) != 0 {
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

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
            """)

    @Argument(
        help: ArgumentHelp(
            "Capture files (pcap or pcapng), directories of captures, or '-' for standard input.",
            valueName: "INPUT"))
    var inputs: [String]

    @OptionGroup var out: OutputOptions

    @OptionGroup var meter: MeterOptions

    @OptionGroup var ingest: IngestOptions

    @OptionGroup var labels: LabelOptions

    @Flag(help: "Search the subdirectories of a directory INPUT too (depth first, in name order).")
    var recursive = false

    @Flag(help: "Stop at the first input damaged part-way (by default the next inputs are still read).")
    var stopOnDamage = false

    @OptionGroup var chatter: QuietOption

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
    }

    func run() throws {
        installSignalHandlers()
        var configuration = try meter.streamerConfiguration(bpf: out.bpf)
        ingest.apply(to: &configuration)
        labels.adapt(&configuration)
        out.adapt(&configuration)
        configuration.stopOnDamage = stopOnDamage
        let streamer = FlowStreamer(configuration: configuration)

        // The output must not be an input: checked against the inputs as named before any directory is
        // searched, then against the captures found in the directories.
        do {
            try InputOutputCheck(inputs: inputs).check(option: "-o", output: out.output)
        } catch {
            fail("\(error)", code: 64)
        }
        let listed: CaptureInputs
        do {
            listed = try CaptureInputs.expand(inputs, recursive: recursive)
        } catch {
            fail("\(error)", code: 1)
        }
        do {
            try InputOutputCheck(inputs: listed.paths).check(option: "-o", output: out.output)
        } catch {
            fail("\(error)", code: 64)
        }
        if let note = listed.skippedNote { printError(note) }
        let inputs = listed.paths

        do {
            try streamer.validate(inputs: inputs)
        } catch {
            fail("\(error)", code: 1)
        }
        let writer: any FlowWriter
        do {
            writer = try out.makeWriter(metadata: meter.provenance(command: "convert", bpf: out.bpf))
        } catch {
            fail("\(error)", code: 1)
        }
        let quiet = chatter.quiet
        let progress = ProgressLine(enabled: !quiet && isatty(2) != 0)
        let report: ConversionReport
        do {
            report = try streamer.convert(inputs: inputs, writer: writer, progress: progress.update)
        } catch {
            progress.clear()
            fail("\(error)", code: 1)
        }
        progress.clear()
        for jump in report.backwardTime { printError(Self.warning(jump)) }
        for damage in report.damagedInputs { printError("\(damage.error)") }
        if report.interrupted {
            printError(
                "interrupted: wrote the \(report.flowsWritten) flows metered from the first \(report.packetsRead) packets to '\(out.output)'; the rest of the input was not read"
            )
            throw ExitCode(130)
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
            throw ExitCode(3)
        }
        if !quiet && isatty(2) != 0 {
            printError(
                "\(report.packetsRead) packets, \(report.packetsIgnored) ignored, \(report.flowsWritten) flows written to '\(out.output)'"
                    + (report.flowsEvicted > 0 ? ", \(report.flowsEvicted) evicted early by --max-flows" : "")
            )
        }
    }

    /// The warning for an input with packets stamped before the latest time already seen.
    static func warning(_ jump: ConversionReport.BackwardTime) -> String {
        let packets = jump.packets == 1 ? "1 packet is" : "\(jump.packets) packets are"
        return "warning: '\(jump.input)': \(packets) stamped earlier than the latest time already seen, by up to "
            + "\(jump.maxMilliseconds) ms; as in NFStream they were metered at that latest time, so durations and "
            + "inter-arrival times shrink (give the inputs in time order, or convert them one at a time)"
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
    // No SA_RESTART: a read blocked on a pipe returns EINTR, so an interrupted `convert -` stops at once.
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

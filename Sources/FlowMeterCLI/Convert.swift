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
            '-' reads a capture from standard input. The output is gzip-compressed when its name ends in .gz \
            or with --gzip; '-o -' writes to standard output. The file is written under a temporary name and \
            renamed when complete.
            """)

    @Argument(help: ArgumentHelp("Capture files (pcap or pcapng), or '-' for standard input.", valueName: "INPUT"))
    var inputs: [String]

    @OptionGroup var out: OutputOptions

    @OptionGroup var meter: MeterOptions

    @OptionGroup var ingest: IngestOptions

    @Flag(name: [.customShort("q"), .long], help: "No progress line.")
    var quiet = false

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one INPUT capture") }
        if inputs.filter({ $0 == "-" }).count > 1 { throw ValidationError("'-' (standard input) can be given once") }
    }

    func run() throws {
        installSignalHandlers()
        var configuration = try meter.streamerConfiguration(bpf: out.bpf)
        ingest.apply(to: &configuration)
        out.adapt(&configuration)
        let streamer = FlowStreamer(configuration: configuration)

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
        let progress = ProgressLine(enabled: !quiet && isatty(2) != 0)
        let report: ConversionReport
        do {
            report = try streamer.convert(inputs: inputs, writer: writer, progress: progress.update)
        } catch {
            progress.clear()
            fail("\(error)", code: 1)
        }
        progress.clear()
        if let inputError = report.inputError {
            printError("\(inputError)")
            throw ExitCode(3)
        }
        if report.interrupted {
            printError(
                "interrupted: wrote the \(report.flowsWritten) flows metered from the first \(report.packetsRead) packets to '\(out.output)'; the rest of the input was not read"
            )
            throw ExitCode(130)
        }
        if !quiet && isatty(2) != 0 {
            printError(
                "\(report.packetsRead) packets, \(report.packetsIgnored) ignored, \(report.flowsWritten) flows written to '\(out.output)'"
                    + (report.flowsEvicted > 0 ? ", \(report.flowsEvicted) evicted early by --max-flows" : "")
            )
        }
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

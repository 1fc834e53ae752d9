import ArgumentParser
import FlowCapture
import FlowIngest
import FlowStreamer

extension IngestPath: ExpressibleByArgument {}
extension TsharkFormat: ExpressibleByArgument {}

/// How packets reach the meter (`convert`, `live`, and the children of `bench`).
struct IngestOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "How packets reach the meter: direct (libpcap's bytes decoded in place), tshark (a tshark child process; its output is parsed back into packets, as pyshark does) or object (one heap object per layer, as scapy builds packets). All three meter the same flows.",
            valueName: "direct|tshark|object"))
    var ingest: IngestPath = .direct

    @Option(
        help: ArgumentHelp(
            "What --ingest tshark parses: pdml (the full dissection as XML, like pyshark) or fields (one line per packet; cheaper).",
            valueName: "pdml|fields"))
    var tsharkFormat: TsharkFormat = .pdml

    @Option(
        help: ArgumentHelp(
            "The tshark executable for --ingest tshark (default: tshark on PATH; Debian package tshark).",
            valueName: "PATH"))
    var tsharkPath: String = "tshark"

    func apply(to configuration: inout StreamerConfiguration) {
        configuration.ingest = ingest
        configuration.tshark.format = tsharkFormat
        configuration.tshark.executable = tsharkPath
    }
}

import ArgumentParser
import FlowMeter
import FlowWriters

/// Output and filter options shared by `convert` and `live`.
struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Output CSV file, or '-' for standard output.", valueName: "OUTPUT"))
    var output: String

    @Flag(help: "Compress the output with gzip (implied by a name ending in .gz).")
    var gzip = false

    @Option(help: ArgumentHelp("Only meter packets matching this BPF filter (tcpdump syntax).", valueName: "EXPR"))
    var bpf: String?

    func validate() throws {
        if output.isEmpty { throw ValidationError("-o/--output must name a file or '-'") }
    }

    /// Opens the output (temporary name until finished), gzip-compressed when asked or named so.
    func makeWriter() throws -> CSVWriter {
        try CSVWriter(path: output, gzip: gzip || output.hasSuffix(".gz"))
    }
}

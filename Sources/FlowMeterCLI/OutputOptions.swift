import ArgumentParser
import FlowConvert
import FlowStreamer
import FlowWriters

extension OutputFormat: ExpressibleByArgument {}

/// Output and filter options shared by `convert` and `live`.
struct OutputOptions: ParsableArguments {
    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp(
            "Output file (CSV; gzip CSV when it ends in .gz; Parquet when it ends in .parquet; an IPFIX file when it ends in .ipfix), an IPFIX collector (ipfix+udp://HOST:PORT, ipfix+tcp://HOST:PORT), or '-' for standard output.",
            valueName: "OUTPUT"))
    var outputOption: String?

    @Option(
        help: ArgumentHelp(
            "Output format: csv, parquet or ipfix (default: from OUTPUT; csv for '-').", valueName: "FORMAT"))
    var format: OutputFormat?

    @Flag(help: "Compress CSV output with gzip (implied by a name ending in .gz).")
    var gzip = false

    @Option(help: ArgumentHelp("Parquet page compression: zstd, gzip, snappy or none.", valueName: "CODEC"))
    var parquetCompression: String?

    @Option(help: ArgumentHelp("Rows per Parquet row group (written as each fills).", valueName: "N"))
    var parquetRowGroup: Int?

    @Option(help: ArgumentHelp("Largest IPFIX message over UDP, in bytes.", valueName: "BYTES"))
    var ipfixMtu: Int?

    @Option(
        help: ArgumentHelp(
            "Send the IPFIX templates again every SECONDS over UDP (and in the first message).", valueName: "SECONDS"))
    var ipfixTemplateRefresh: Double?

    @Option(help: ArgumentHelp("IPFIX observation domain id.", valueName: "N"))
    var ipfixDomain: Int?

    @Option(
        help: ArgumentHelp(
            "Private enterprise number of flowmeter's own IPFIX elements (default 32473, the documentation number: use your own).",
            valueName: "PEN"))
    var ipfixPen: Int?

    @Flag(
        help:
            "Send RFC 5610 type records of flowmeter's own IPFIX elements (nfdump 1.7.1 drops the flows of the messages that carry them)."
    )
    var ipfixTypeRecords = false

    @Option(help: ArgumentHelp("Only meter packets matching this BPF filter (tcpdump syntax).", valueName: "EXPR"))
    var bpf: String?

    @Option(
        help: ArgumentHelp(
            "Anonymise the output with this 32-byte key (mode 0600; 'flowmeter keygen' makes one): addresses prefix-preserving (Crypto-PAn), MACs, server names, user agents and fingerprints by keyed hash.",
            valueName: "KEYFILE"))
    var anonymize: String?

    @Flag(help: "With --anonymize: keep MAC addresses' vendor bytes (OUI).")
    var keepOui = false

    @Option(help: ArgumentHelp("With --anonymize: more text columns to replace by a keyed hash.", valueName: "A,B,…"))
    var anonymizeColumns: String?

    /// The options as FlowConvert's settings, which check them and open the writer.
    var settings: OutputSettings {
        var s = OutputSettings()
        (s.outputOption, s.format, s.gzip) = (outputOption, format, gzip)
        (s.parquetCompression, s.parquetRowGroup) = (parquetCompression, parquetRowGroup)
        (s.ipfixMtu, s.ipfixTemplateRefresh, s.ipfixDomain) = (ipfixMtu, ipfixTemplateRefresh, ipfixDomain)
        (s.ipfixPen, s.ipfixTypeRecords) = (ipfixPen, ipfixTypeRecords)
        (s.anonymize, s.keepOui, s.anonymizeColumns) = (anonymize, keepOui, anonymizeColumns)
        return s
    }

    func validate() throws { try validating { try settings.validate() } }
}

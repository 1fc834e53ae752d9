import ArgumentParser
import FlowMeter
import FlowParquet
import FlowWriters

/// The file formats `-o` can write.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, parquet
}

/// Output and filter options shared by `convert` and `live`.
struct OutputOptions: ParsableArguments {
    @Option(
        name: [.customShort("o"), .long],
        help: ArgumentHelp(
            "Output file (CSV; gzip CSV when it ends in .gz; Parquet when it ends in .parquet), or '-' for standard output.",
            valueName: "OUTPUT"))
    var output: String

    @Option(help: ArgumentHelp("Output format: csv or parquet (default: from the name of OUTPUT; csv for '-').", valueName: "FORMAT"))
    var format: OutputFormat?

    @Flag(help: "Compress CSV output with gzip (implied by a name ending in .gz).")
    var gzip = false

    @Option(help: ArgumentHelp("Parquet page compression: zstd, gzip, snappy or none.", valueName: "CODEC"))
    var parquetCompression: String?

    @Option(help: ArgumentHelp("Rows per Parquet row group (written as each fills).", valueName: "N"))
    var parquetRowGroup: Int?

    @Option(help: ArgumentHelp("Only meter packets matching this BPF filter (tcpdump syntax).", valueName: "EXPR"))
    var bpf: String?

    /// The format the options and the name of OUTPUT select.
    var effectiveFormat: OutputFormat {
        if let format { return format }
        return output.lowercased().hasSuffix(".parquet") ? .parquet : .csv
    }

    /// gzip CSV: --gzip, or a name ending in .gz (any case).
    var gzipCSV: Bool { gzip || output.lowercased().hasSuffix(".gz") }

    func validate() throws {
        if output.isEmpty { throw ValidationError("-o/--output must name a file or '-'") }
        let lower = output.lowercased()
        if format == .csv && lower.hasSuffix(".parquet") {
            throw ValidationError("-o '\(output)' names a Parquet file but --format is csv: rename the output or drop --format")
        }
        if format == .parquet && (lower.hasSuffix(".csv") || lower.hasSuffix(".gz")) {
            throw ValidationError("-o '\(output)' names a CSV file but --format is parquet: name it .parquet")
        }
        if effectiveFormat == .parquet {
            if gzip {
                throw ValidationError("--gzip compresses CSV; for Parquet use --parquet-compression gzip")
            }
            if let parquetCompression, ParquetCompression(name: parquetCompression) == nil {
                throw ValidationError(
                    "--parquet-compression must be zstd, gzip, snappy or none (got '\(parquetCompression)')")
            }
            if let parquetRowGroup, !(1...(1 << 30)).contains(parquetRowGroup) {
                throw ValidationError("--parquet-row-group must be a number of rows from 1 to 1073741824 (got \(parquetRowGroup))")
            }
        } else if parquetCompression != nil || parquetRowGroup != nil {
            throw ValidationError(
                "--parquet-compression and --parquet-row-group apply to Parquet output: name the output .parquet or add --format parquet")
        }
    }

    /// Opens the output (temporary name until finished) in its format. `metadata` goes into formats that keep
    /// key-value metadata (Parquet).
    func makeWriter(path: String? = nil, metadata: [(String, String)] = []) throws -> any FlowWriter {
        let output = path ?? self.output
        switch effectiveFormat {
        case .csv:
            return try CSVWriter(path: output, gzip: gzipCSV)
        case .parquet:
            var options = ParquetFileWriter.Options()
            options.compression = parquetCompression.flatMap(ParquetCompression.init(name:)) ?? .zstd
            if let parquetRowGroup { options.rowGroupRows = parquetRowGroup }
            options.keyValues = metadata
            options.createdBy = "flowmeter version \(FlowmeterCommand.version)"
            return try ParquetFlowWriter(path: output, options: options)
        }
    }
}

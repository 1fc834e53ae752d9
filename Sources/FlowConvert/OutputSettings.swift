import FlowDPI
import FlowDataset
import FlowFeatures
import FlowIPFIX
import FlowMeter
import FlowPacket
import FlowParquet
import FlowStreamer
import FlowWriters

/// Where and how the flows are written (the output options of `convert`, `live` and `packets`): the output, its
/// format and the options of each format, and anonymisation. Checks their combinations and opens the writer.
public struct OutputSettings: Sendable {
    /// `-o`: a file, `-` (standard output) or an IPFIX collector; nil when it was not given.
    public var outputOption: String?
    /// `--format`, when given.
    public var format: OutputFormat?
    /// `--gzip`.
    public var gzip = false
    /// `--parquet-compression`.
    public var parquetCompression: String?
    /// `--parquet-row-group`.
    public var parquetRowGroup: Int?
    /// `--ipfix-mtu`.
    public var ipfixMtu: Int?
    /// `--ipfix-template-refresh`.
    public var ipfixTemplateRefresh: Double?
    /// `--ipfix-domain`.
    public var ipfixDomain: Int?
    /// `--ipfix-pen`.
    public var ipfixPen: Int?
    /// `--ipfix-type-records`.
    public var ipfixTypeRecords = false
    /// `--anonymize KEYFILE`.
    public var anonymize: String?
    /// `--keep-oui`.
    public var keepOui = false
    /// `--anonymize-columns`.
    public var anonymizeColumns: String?

    /// Settings with nothing given.
    public init() {}

    /// An invalid combination of output options.
    public struct Invalid: Error, CustomStringConvertible {
        /// What is wrong and how to fix it.
        public var description: String
    }

    /// `-o`, or "" when it was not given (`convert --output-dir`; the commands check that one of them is there).
    public var output: String { outputOption ?? "" }

    /// The format the options and the name of OUTPUT select.
    public var effectiveFormat: OutputFormat {
        if let format { return format }
        if IPFIXDestination.isIPFIX(output) { return .ipfix }
        return output.lowercased().hasSuffix(".parquet") ? .parquet : .csv
    }

    /// The extension of an output file of this format, without the dot: csv, csv.gz (with --gzip), parquet, ipfix
    /// (the names `convert --output-dir` gives).
    public var fileExtension: String {
        switch effectiveFormat {
        case .csv: return gzipCSV ? "csv.gz" : "csv"
        case .parquet: return "parquet"
        case .ipfix: return "ipfix"
        }
    }

    /// Whether OUTPUT is an IPFIX collector (not a file).
    public var isCollector: Bool {
        guard effectiveFormat == .ipfix, let destination = try? IPFIXDestination(parsing: output) else { return false }
        if case .file = destination { return false }
        return true
    }

    /// gzip CSV: --gzip, or a name ending in .gz (any case).
    public var gzipCSV: Bool { gzip || output.lowercased().hasSuffix(".gz") }

    /// Throws `Invalid` for options that do not go together or values out of range.
    public func validate() throws {
        func invalid(_ message: String) -> Invalid { Invalid(description: message) }
        if outputOption == "" { throw invalid("-o/--output must name a file or '-'") }
        if anonymize == nil && keepOui { throw invalid("--keep-oui applies to --anonymize KEYFILE") }
        if anonymize == nil && anonymizeColumns != nil {
            throw invalid("--anonymize-columns applies to --anonymize KEYFILE")
        }
        let lower = output.lowercased()
        if format == .csv && lower.hasSuffix(".parquet") {
            throw invalid(
                "-o '\(output)' names a Parquet file but --format is csv: rename the output or drop --format")
        }
        if format == .parquet && (lower.hasSuffix(".csv") || lower.hasSuffix(".gz")) {
            throw invalid("-o '\(output)' names a CSV file but --format is parquet: name it .parquet")
        }
        if effectiveFormat == .ipfix {
            if output == "-" {
                throw invalid(
                    "IPFIX goes to a collector or a file: -o ipfix+udp://HOST:PORT, ipfix+tcp://HOST:PORT or FILE.ipfix"
                )
            }
            if outputOption != nil {
                do {
                    _ = try IPFIXDestination(parsing: output)
                } catch {
                    throw invalid("\(error)")
                }
            }
            if gzip { throw invalid("--gzip compresses CSV; IPFIX is not compressed") }
            if let ipfixMtu, !(256...65535).contains(ipfixMtu) {
                throw invalid("--ipfix-mtu must be from 256 to 65535 bytes (got \(ipfixMtu))")
            }
            if let ipfixTemplateRefresh, !(ipfixTemplateRefresh > 0 && ipfixTemplateRefresh <= 86400) {
                throw invalid(
                    "--ipfix-template-refresh must be from 0 to 86400 seconds (got \(ipfixTemplateRefresh))")
            }
            if let ipfixDomain, !(0...Int(UInt32.max)).contains(ipfixDomain) {
                throw invalid("--ipfix-domain must be from 0 to 4294967295 (got \(ipfixDomain))")
            }
            if let ipfixPen, !(1...Int(UInt32.max)).contains(ipfixPen) {
                throw invalid("--ipfix-pen must be from 1 to 4294967295 (got \(ipfixPen))")
            }
        } else if ipfixMtu != nil || ipfixTemplateRefresh != nil || ipfixDomain != nil || ipfixPen != nil
            || ipfixTypeRecords
        {
            throw invalid(
                "the --ipfix-* options apply to IPFIX output: -o ipfix+udp://HOST:PORT, ipfix+tcp://HOST:PORT or FILE.ipfix"
            )
        }
        if effectiveFormat == .parquet {
            if gzip {
                throw invalid("--gzip compresses CSV; for Parquet use --parquet-compression gzip")
            }
            if let parquetCompression, ParquetCompression(name: parquetCompression) == nil {
                throw invalid(
                    "--parquet-compression must be zstd, gzip, snappy or none (got '\(parquetCompression)')")
            }
            if let parquetRowGroup, !(1...(1 << 30)).contains(parquetRowGroup) {
                throw invalid(
                    "--parquet-row-group must be a number of rows from 1 to 1073741824 (got \(parquetRowGroup))")
            }
        } else if parquetCompression != nil || parquetRowGroup != nil {
            throw invalid(
                "--parquet-compression and --parquet-row-group apply to Parquet output: name the output .parquet or add --format parquet"
            )
        }
    }

    /// Opens the output (temporary name until finished) in its format. `metadata` goes into formats that keep
    /// key-value metadata (Parquet).
    public func makeWriter(path: String? = nil, metadata: [(String, String)] = [], live: Bool = false) throws
        -> any FlowWriter
    {
        let writer = try makeFormatWriter(path: path, metadata: metadata, live: live)
        guard let anonymize else { return writer }
        return AnonymizingWriter(
            wrapping: writer, anonymizer: try Anonymizer(key: Anonymizer.readKey(path: anonymize), keepOUI: keepOui),
            extraColumns: extraAnonymizedColumns)
    }

    /// `--anonymize-columns`, split.
    var extraAnonymizedColumns: [String] {
        commaList(anonymizeColumns)
    }

    /// Checks `--anonymize`'s key before anything is read (exit 64 naming the file).
    public func checkAnonymization() {
        guard let anonymize else { return }
        do {
            _ = try Anonymizer.readKey(path: anonymize)
        } catch {
            fail("--anonymize: \(error)", code: 64)
        }
    }

    func makeFormatWriter(path: String?, metadata: [(String, String)], live: Bool) throws -> any FlowWriter {
        let output = path ?? self.output
        switch effectiveFormat {
        case .csv:
            return try CSVWriter(path: output, gzip: gzipCSV)
        case .parquet:
            var options = ParquetFileWriter.Options()
            options.compression = parquetCompression.flatMap(ParquetCompression.init(name:)) ?? .zstd
            if let parquetRowGroup { options.rowGroupRows = parquetRowGroup }
            options.keyValues = metadata
            options.createdBy = "flowmeter version \(FlowmeterVersion.current)"
            return try ParquetFlowWriter(path: output, options: options)
        case .ipfix:
            var options = ipfixOptions
            options.reconnect = live  // live: a TCP collector that goes away is waited for; convert: an error
            options.log = { printError($0) }
            return try IPFIXFlowWriter(destination: IPFIXDestination(parsing: output), options: options)
        }
    }

    var ipfixOptions: IPFIXFlowWriter.Options {
        var options = IPFIXFlowWriter.Options()
        if let ipfixMtu { options.mtu = ipfixMtu }
        if let ipfixTemplateRefresh { options.templateRefreshSeconds = ipfixTemplateRefresh }
        if let ipfixDomain { options.domain = UInt32(ipfixDomain) }
        options.typeRecords = ipfixTypeRecords
        options.elementMap = IPFIXElementMap(
            enterprise: ipfixPen.map { UInt32($0) } ?? IPFIXElement.documentationPEN,
            knownColumns: Self.builtinColumnNames)
        return options
    }

    /// Every built-in column, in the order that numbers flowmeter's enterprise IPFIX elements (from 1000): the core
    /// columns with every option on, then statistics, SPLT, application detection, the CIC set and the IPFIX
    /// counters. New built-in columns go at the end, so a column keeps its number.
    public static var builtinColumnNames: [String] {
        var c = MeterConfiguration()
        c.tcpTermination = true
        c.decodeTunnels = true
        var names = FlowSchema(configuration: c).columnNames
        let sets = BuiltinFeatures.all
        for name in ["statistics", "splt"] { names += sets.first { $0.name == name }?.columns.map(\.name) ?? [] }
        names += ApplicationPlugin.columns.map(\.name)
        for set in sets where set.name != "statistics" && set.name != "splt" { names += set.columns.map(\.name) }
        names += IPFIXCountersPlugin().columns.map(\.name)
        // The time columns in µs and ns (--time-unit), after every column above so that none changes its number.
        for unit in [TimeUnit.microseconds, .nanoseconds] {
            c.timeUnit = unit
            names += FlowSchema(configuration: c).columnNames.filter { $0.hasSuffix("_\(unit.suffix)") }
            let timed =
                (try? BuiltinFeatures.plugins(named: ["statistics", "splt"], spltLength: 10, timeUnit: unit)) ?? []
            names += timed.flatMap(\.columns).map(\.name).filter { $0.hasSuffix("_\(unit.suffix)") }
        }
        names.append(FlowStreamer.sourceColumn.name)  // convert --each-file
        names += ["label", "label_rule"]  // --labels
        return names
    }

    /// What the output needs of the metering: IPFIX adds the counters its IANA elements carry.
    public func adapt(_ configuration: inout StreamerConfiguration) {
        if effectiveFormat == .ipfix {
            configuration.plugins.append(IPFIXCountersPlugin(timeUnit: configuration.meter.timeUnit))
        }
    }
}

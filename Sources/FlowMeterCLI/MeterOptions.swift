import ArgumentParser
import FlowDPI
import FlowFeatures
import FlowMeter
import FlowPacket
import FlowPresets
import FlowStreamer
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

/// Metering and feature options shared by the commands that meter packets.
struct MeterOptions: ParsableArguments {
    @Flag(
        help:
            "Add the 48 statistical columns (packet size and inter-arrival min/mean/stddev/max, TCP flag counts); same as --features statistics."
    )
    var statistics = false

    @Option(
        help: ArgumentHelp(
            "Feature sets to add, comma separated, e.g. statistics,splt ('flowmeter features' lists them).",
            valueName: "A,B,…"))
    var features: String?

    @Option(
        name: .customLong("splt"), parsing: .unconditional,
        help: ArgumentHelp("Add the early-packet sequences of the first N packets (0 = off).", valueName: "N"))
    var splt: Int = 0

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Give the first N packets of each flow to nDPI and add the nine application columns (application_name, category, SNI, fingerprints, user agent …); 0 = no detection and no columns. Default 20, as NFStream's n_dissections.",
            valueName: "N"))
    var dissections: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Size counted per packet: 0 wire size, 1 IP, 2 transport, 3 payload.", valueName: "N"))
    var accountingMode: Int = 0

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Expire a flow after this many seconds without packets.", valueName: "SECONDS"))
    var idleTimeout: Double = 120

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Expire a flow this many seconds after its first packet (checked when a packet arrives).",
            valueName: "SECONDS"))
    var activeTimeout: Double = 1800

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Bound the active flows: the table is split into 64 shards by flow hash, each holding at most N/64 flows (at least 1); a full shard expires its least recently active flow (expiration_id 2). 0 = no bound.",
            valueName: "N"))
    var maxFlows: Int = 0

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Meter threads (default: the number of cores). Output is byte-identical for every value.", valueName: "N"))
    var threads: Int?

    @Flag(
        help:
            "End TCP flows at RST, or at the last ACK after FIN in both directions (expiration_id 3), and add the expiration_reason column."
    )
    var tcpTermination = false

    @Option(
        help: ArgumentHelp(
            "Unit of every time column (first/last seen, durations, inter-arrival times), named in the column names: ms (NFStream's), us or ns (exact to the capture's resolution).",
            valueName: "ms|us|ns"))
    var timeUnit: TimeUnit = .milliseconds

    @Flag(
        name: .customLong("no-tunnels"),
        help: "Do not decode GTP-U, CAPWAP, TZSP, VXLAN and GRE; drops the tunnel_id column.")
    var noTunnels = false

    func validate() throws {
        guard (0...3).contains(accountingMode) else {
            throw ValidationError("--accounting-mode must be 0, 1, 2 or 3 (got \(accountingMode))")
        }
        guard (0...65535).contains(splt) else {
            throw ValidationError("--splt must be between 0 and 65535 (got \(splt))")
        }
        if let dissections {
            guard (0...255).contains(dissections) else {
                throw ValidationError("--dissections must be between 0 and 255 (got \(dissections))")
            }
            if dissections > 0 && !ApplicationDetection.isAvailable {
                throw ValidationError("--dissections \(dissections): \(ApplicationDetectionError.unavailable.message)")
            }
        }
        if let features, featureSetNames.isEmpty {
            throw ValidationError(
                "--features '\(features)' names no feature set: give names separated by commas, e.g. statistics,splt "
                    + "('flowmeter features' lists them), or leave the option out")
        }
        // Feature set names only: application detection starts nDPI (tens of ms), which commands that build no
        // detection (packets) should not pay; streamerConfiguration reports a detection that cannot start.
        do {
            _ = try BuiltinFeatures.plugins(named: featureSetNames, spltLength: splt, timeUnit: timeUnit)
        } catch {
            throw ValidationError("\(error)")
        }
        guard maxFlows >= 0 else {
            throw ValidationError("--max-flows must be 0 (no bound) or a positive number of flows (got \(maxFlows))")
        }
        if let threads, !(1...FlowTable.shardCount).contains(threads) {
            throw ValidationError(
                "--threads must be between 1 and \(FlowTable.shardCount), the number of flow-table shards (got \(threads))"
            )
        }
        for (name, value) in [("--idle-timeout", idleTimeout), ("--active-timeout", activeTimeout)] {
            guard value.isFinite, value >= 0, value <= 1e12 else {
                throw ValidationError("\(name) must be a number of seconds from 0 to 1e12 (got \(value))")
            }
        }
    }

    var meterConfiguration: MeterConfiguration {
        var c = MeterConfiguration()
        c.accountingMode = UInt8(accountingMode)
        c.idleTimeoutMilliseconds = UInt64((idleTimeout * 1000).rounded())
        c.activeTimeoutMilliseconds = UInt64((activeTimeout * 1000).rounded())
        c.decodeTunnels = !noTunnels
        c.maxFlows = maxFlows
        c.tcpTermination = tcpTermination
        c.timeUnit = timeUnit
        return c
    }

    /// The sets `--features` names (without those of --statistics and --splt).
    var featureSetNames: [String] { commaList(features) }

    /// The feature plugins named by --features, --statistics and --splt, in column order (FlowPresets' order).
    func plugins() throws -> [any FeaturePlugin] {
        do {
            return try StreamerConfiguration.flowmeterPlugins(
                statistics: statistics, splt: splt, featureSets: featureSetNames, dissections: effectiveDissections,
                timeUnit: timeUnit)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// `--dissections`, or 20 when nDPI is built in and 0 when it is not.
    var effectiveDissections: Int {
        dissections ?? StreamerConfiguration.defaultDissections
    }

    /// Without nDPI, a default run says once that the application columns are missing.
    func noteMissingDetection() {
        if dissections == nil && !ApplicationDetection.isAvailable {
            printError(
                "note: built without nDPI, so no application detection: the nine application columns are left out (--dissections 0 silences this)"
            )
        }
    }

    /// The streamer configuration these options describe (metering, plugins, threads, BPF filter).
    func streamerConfiguration(bpf: String?) throws -> StreamerConfiguration {
        noteMissingDetection()
        var configuration = StreamerConfiguration()
        configuration.meter = meterConfiguration
        configuration.plugins = try plugins()
        configuration.threads = threadCount
        configuration.bpfFilter = bpf
        return configuration
    }

    /// What a Parquet file records of the run in its key-value metadata: flowmeter's version, the command, and as
    /// JSON every option that shapes the rows (not --threads, which does not change them, nor paths).
    func provenance(command: String, bpf: String?) -> [(String, String)] {
        let names = ((try? plugins()) ?? []).map { "\"\(jsonEscaped($0.name))\"" }.joined(separator: ",")
        let options = [
            "\"accounting_mode\":\(accountingMode)",
            "\"idle_timeout\":\(idleTimeout)",
            "\"active_timeout\":\(activeTimeout)",
            "\"dissections\":\(effectiveDissections)",
            "\"splt\":\(splt)",
            "\"feature_sets\":[\(names)]",
            "\"max_flows\":\(maxFlows)",
            "\"tcp_termination\":\(tcpTermination)",
            "\"decode_tunnels\":\(!noTunnels)",
            "\"time_unit\":\"\(timeUnit.suffix)\"",
            "\"bpf\":" + (bpf.map { "\"\(jsonEscaped($0))\"" } ?? "null"),
        ]
        return [
            ("flowmeter.version", FlowmeterCommand.version),
            ("flowmeter.command", command),
            ("flowmeter.options", "{" + options.joined(separator: ",") + "}"),
        ]
    }

    /// `--threads`, or the number of online cores.
    var threadCount: Int { threads ?? StreamerConfiguration.defaultThreads }
}

/// The non-empty items of a comma-separated option value, trimmed.
func commaList(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
}

/// `text` as the inside of a JSON string.
func jsonEscaped(_ text: String) -> String { JSONText.escaped(text) }

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

extension TimeUnit: ExpressibleByArgument {
    /// The unit named `argument` (`ms`, `us`, `ns`).
    public init?(argument: String) { self.init(rawValue: argument) }
    /// The names `--time-unit` accepts, for the help.
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

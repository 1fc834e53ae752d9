import FlowDPI
import FlowFeatures
import FlowMeter
import FlowPacket
import FlowPresets
import FlowStreamer
import FlowWriters

/// How packets are metered (the metering options of `convert`, `live`, `packets` and `ipfix-elements`): feature
/// sets, application detection, accounting, timeouts, the flow bound, threads, TCP termination, time unit and
/// tunnels. Checks them and builds the meter and streamer configurations.
public struct MeterSettings: Sendable {
    /// `--statistics`.
    public var statistics = false
    /// `--features`: feature set names, comma separated.
    public var features: String?
    /// `--splt N`.
    public var splt = 0
    /// `--dissections N`, when given.
    public var dissections: Int?
    /// `--accounting-mode`.
    public var accountingMode = 0
    /// `--idle-timeout`, in seconds.
    public var idleTimeout: Double = 120
    /// `--active-timeout`, in seconds.
    public var activeTimeout: Double = 1800
    /// `--max-flows` (0: no bound).
    public var maxFlows = 0
    /// `--threads`, when given.
    public var threads: Int?
    /// `--tcp-termination`.
    public var tcpTermination = false
    /// `--time-unit`.
    public var timeUnit: TimeUnit = .milliseconds
    /// `--no-tunnels`.
    public var noTunnels = false

    /// The defaults of every option.
    public init() {}

    /// A metering option out of range, or feature sets that cannot be used.
    public struct Invalid: Error, CustomStringConvertible {
        /// What is wrong and how to fix it.
        public var description: String
    }

    /// Throws `Invalid` for a value out of range or a feature set that cannot be used.
    public func validate() throws {
        guard (0...3).contains(accountingMode) else {
            throw Invalid(description: "--accounting-mode must be 0, 1, 2 or 3 (got \(accountingMode))")
        }
        guard (0...65535).contains(splt) else {
            throw Invalid(description: "--splt must be between 0 and 65535 (got \(splt))")
        }
        if let dissections {
            guard (0...255).contains(dissections) else {
                throw Invalid(description: "--dissections must be between 0 and 255 (got \(dissections))")
            }
            if dissections > 0 && !ApplicationDetection.isAvailable {
                throw Invalid(
                    description: "--dissections \(dissections): \(ApplicationDetectionError.unavailable.message)")
            }
        }
        if let features, featureSetNames.isEmpty {
            throw Invalid(
                description:
                    "--features '\(features)' names no feature set: give names separated by commas, e.g. statistics,splt "
                    + "('flowmeter features' lists them), or leave the option out")
        }
        // Feature set names only: application detection starts nDPI (tens of ms), which commands that build no
        // detection (packets) should not pay; streamerConfiguration reports a detection that cannot start.
        do {
            _ = try BuiltinFeatures.plugins(named: featureSetNames, spltLength: splt, timeUnit: timeUnit)
        } catch {
            throw Invalid(description: "\(error)")
        }
        guard maxFlows >= 0 else {
            throw Invalid(
                description: "--max-flows must be 0 (no bound) or a positive number of flows (got \(maxFlows))")
        }
        if let threads, !(1...FlowTable.shardCount).contains(threads) {
            throw Invalid(
                description:
                    "--threads must be between 1 and \(FlowTable.shardCount), the number of flow-table shards (got \(threads))"
            )
        }
        for (name, value) in [("--idle-timeout", idleTimeout), ("--active-timeout", activeTimeout)] {
            guard value.isFinite, value >= 0, value <= 1e12 else {
                throw Invalid(description: "\(name) must be a number of seconds from 0 to 1e12 (got \(value))")
            }
        }
    }

    /// The meter's configuration: accounting, timeouts, tunnels, the flow bound, TCP termination, time unit.
    public var meterConfiguration: MeterConfiguration {
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
    public var featureSetNames: [String] { commaList(features) }

    /// The feature plugins named by --features, --statistics and --splt, in column order (FlowPresets' order).
    public func plugins() throws -> [any FeaturePlugin] {
        do {
            return try StreamerConfiguration.flowmeterPlugins(
                statistics: statistics, splt: splt, featureSets: featureSetNames, dissections: effectiveDissections,
                timeUnit: timeUnit)
        } catch {
            throw Invalid(description: "\(error)")
        }
    }

    /// `--dissections`, or 20 when nDPI is built in and 0 when it is not.
    public var effectiveDissections: Int {
        dissections ?? StreamerConfiguration.defaultDissections
    }

    /// Without nDPI, a default run says once that the application columns are missing.
    public func noteMissingDetection() {
        if dissections == nil && !ApplicationDetection.isAvailable {
            printError(
                "note: built without nDPI, so no application detection: the nine application columns are left out (--dissections 0 silences this)"
            )
        }
    }

    /// The streamer configuration these options describe (metering, plugins, threads, BPF filter).
    public func streamerConfiguration(bpf: String?) throws -> StreamerConfiguration {
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
    public func provenance(command: String, bpf: String?) -> [(String, String)] {
        let names = ((try? plugins()) ?? []).map { "\"\(JSONText.escaped($0.name))\"" }.joined(separator: ",")
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
            "\"bpf\":" + (bpf.map { "\"\(JSONText.escaped($0))\"" } ?? "null"),
        ]
        return [
            ("flowmeter.version", FlowmeterVersion.current),
            ("flowmeter.command", command),
            ("flowmeter.options", "{" + options.joined(separator: ",") + "}"),
        ]
    }

    /// `--threads`, or the number of online cores.
    public var threadCount: Int { threads ?? StreamerConfiguration.defaultThreads }
}

import ArgumentParser
import FlowConvert
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

    /// The options as FlowConvert's settings, which check them and build the configurations.
    var settings: MeterSettings {
        var s = MeterSettings()
        (s.statistics, s.features, s.splt, s.dissections) = (statistics, features, splt, dissections)
        (s.accountingMode, s.idleTimeout, s.activeTimeout) = (accountingMode, idleTimeout, activeTimeout)
        (s.maxFlows, s.threads, s.tcpTermination) = (maxFlows, threads, tcpTermination)
        (s.timeUnit, s.noTunnels) = (timeUnit, noTunnels)
        return s
    }

    func validate() throws { try validating { try settings.validate() } }

    /// The feature plugins named by --features, --statistics and --splt, in column order (FlowPresets' order).
    func plugins() throws -> [any FeaturePlugin] { try validating { try settings.plugins() } }

    /// The streamer configuration these options describe (metering, plugins, threads, BPF filter).
    func streamerConfiguration(bpf: String?) throws -> StreamerConfiguration {
        try validating { try settings.streamerConfiguration(bpf: bpf) }
    }
}

/// What `body` returns; an error it throws becomes a usage error (its message, the usage, status 64).
func validating<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw ValidationError("\(error)")
    }
}

extension TimeUnit: ExpressibleByArgument {
    /// The unit named `argument` (`ms`, `us`, `ns`).
    public init?(argument: String) { self.init(rawValue: argument) }
    /// The names `--time-unit` accepts, for the help.
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

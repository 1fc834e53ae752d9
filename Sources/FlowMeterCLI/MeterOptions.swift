import ArgumentParser
import FlowMeter

/// Metering and feature options shared by the commands that meter packets.
struct MeterOptions: ParsableArguments {
    @Flag(help: "Add the 48 statistical columns (packet size and inter-arrival min/mean/stddev/max, TCP flag counts).")
    var statistics = false

    @Option(name: .customLong("splt"), help: ArgumentHelp("Add the early-packet sequences of the first N packets (0 = off).", valueName: "N"))
    var splt: Int = 0

    @Option(help: ArgumentHelp("Size counted per packet: 0 wire size, 1 IP, 2 transport, 3 payload.", valueName: "N"))
    var accountingMode: Int = 0

    @Option(help: ArgumentHelp("Expire a flow after this many seconds without packets.", valueName: "SECONDS"))
    var idleTimeout: Double = 120

    @Option(help: ArgumentHelp("Expire a flow this many seconds after its first packet (checked when a packet arrives).", valueName: "SECONDS"))
    var activeTimeout: Double = 1800

    @Flag(name: .customLong("no-tunnels"), help: "Do not decode GTP-U, CAPWAP, TZSP, VXLAN and GRE; drops the tunnel_id column.")
    var noTunnels = false

    func validate() throws {
        guard (0...3).contains(accountingMode) else {
            throw ValidationError("--accounting-mode must be 0, 1, 2 or 3 (got \(accountingMode))")
        }
        guard (0...65535).contains(splt) else {
            throw ValidationError("--splt must be between 0 and 65535 (got \(splt))")
        }
        for (name, value) in [("--idle-timeout", idleTimeout), ("--active-timeout", activeTimeout)] {
            guard value.isFinite, value >= 0, value <= 1e12 else {
                throw ValidationError("\(name) must be a number of seconds from 0 to 1e12 (got \(value))")
            }
        }
    }

    var meterConfiguration: MeterConfiguration {
        var c = MeterConfiguration()
        c.statistics = statistics
        c.spltLength = splt
        c.accountingMode = UInt8(accountingMode)
        c.idleTimeoutMilliseconds = UInt64((idleTimeout * 1000).rounded())
        c.activeTimeoutMilliseconds = UInt64((activeTimeout * 1000).rounded())
        c.decodeTunnels = !noTunnels
        return c
    }
}

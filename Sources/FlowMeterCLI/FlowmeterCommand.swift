import ArgumentParser
import FlowConvert

@main
struct FlowmeterCommand: ParsableCommand {
    static let version = FlowmeterVersion.current
    static let configuration = CommandConfiguration(
        commandName: "flowmeter",
        abstract: "Turn packet captures into bidirectional flow records (NFStream-compatible CSV, or Parquet).",
        discussion: """
            Exit status: 0 success; 1 an input or output could not be used (nothing complete was written); \
            3 an input was damaged part-way (the flows read were written, the next inputs still read); \
            130 interrupted (the flows metered so far were written); 64 bad options, or an output that is an input.
            """,
        version: version,
        subcommands: [
            Convert.self, Live.self, Interfaces.self, Features.self, IPFIXElements.self, Keygen.self, Packets.self,
            Bench.self,
        ])
}

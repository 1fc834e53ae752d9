import ArgumentParser
import FlowBench
import FlowConvert
import FlowStreamer

/// Options shared by the bench subcommands.
struct BenchCommonOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Repetitions of every measurement (the table shows means; charts add standard deviations).", valueName: "N")
    )
    var `repeat`: Int = 3

    @Option(help: ArgumentHelp("Write results.csv, results.json and SVG charts into this directory.", valueName: "DIR"))
    var out: String?

    @Option(
        help: ArgumentHelp(
            "Pin the measured process (and the tshark it starts) to these cores, e.g. 0 or 0,1 or 0-1, to emulate a small board.",
            valueName: "LIST"))
    var cpus: String?

    @Option(help: ArgumentHelp("The tshark executable for the tshark paths.", valueName: "PATH"))
    var tsharkPath: String = "tshark"

    @Option(
        help: ArgumentHelp(
            "Application detection in the measured meter: packets per flow given to nDPI (0 = off, the default here, so that the paths differ only by how packets come in; 20 is convert's default).",
            valueName: "N"))
    var dissections: Int = 0

    func validate() throws {
        guard (1...100).contains(`repeat`) else {
            throw ValidationError("--repeat must be between 1 and 100 (got \(`repeat`))")
        }
        guard (0...255).contains(dissections) else {
            throw ValidationError("--dissections must be between 0 and 255 (got \(dissections))")
        }
        if let cpus { _ = try validated { try CPUSet.parse(cpus) } }
    }

    /// The options as FlowBench's configuration.
    var configuration: BenchConfiguration {
        BenchConfiguration(
            repetitions: `repeat`, cpus: cpus.flatMap { try? CPUSet.parse($0) }, tsharkPath: tsharkPath,
            dissections: dissections)
    }

    /// Prints the table of `results`, writes its files into --out when given, and ends with status 130 when the
    /// bench was interrupted.
    func report(_ results: BenchResults) throws {
        results.report(writingTo: out)
        if interruptRequested.load(ordering: .relaxed) { throw ExitCode(130) }
    }
}

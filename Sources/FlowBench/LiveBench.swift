import FlowConvert

/// One `flowmeter bench live` run, its options resolved: checks what the live network needs, then captures the
/// generated traffic of every scenario through every path. A missing prerequisite or a failed run ends the
/// process (`fail`).
public struct LiveBench {
    /// The runner of the scenarios and paths.
    public var runner: LiveRunner

    /// A bench with `runner`.
    public init(runner: LiveRunner) {
        self.runner = runner
    }

    /// Checks the prerequisites, installs the interrupt handlers, and measures.
    public func run() -> BenchResults {
        do {
            try runner.checkPrerequisites()
        } catch {
            fail("\(error)", code: 1)
        }
        installInterruptHandlers()
        do {
            return try runner.run(log: printError)
        } catch {
            fail("\(error)", code: 1)
        }
    }
}

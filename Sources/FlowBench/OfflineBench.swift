import FlowConvert

/// One `flowmeter bench offline` run, its options resolved: checks tshark, finds the peer tools, runs every path
/// (and peer) as a measured child process and prints what FlowBench warns about. A tool that cannot be used ends
/// the process (`fail`).
public struct OfflineBench {
    /// The capture files to measure.
    public var traces: [String]
    /// The ingestion paths to measure.
    public var paths: [BenchPath]
    /// Repetitions, CPUs, tshark and detection.
    public var configuration: BenchConfiguration
    /// At most this many packets of each trace on every path.
    public var maxPackets: UInt64?
    /// At most this many packets on the slow paths (0: all).
    public var slowMaxPackets: UInt64 = 20000
    /// Whether the Python peer tools run too.
    public var peers = false
    /// The Python of the peers, when given.
    public var python: String?
    /// Where the peer scripts are, when given.
    public var peersDir: String?

    /// A bench of `traces` through `paths`; the other options take their defaults.
    public init(traces: [String], paths: [BenchPath], configuration: BenchConfiguration) {
        self.traces = traces
        self.paths = paths
        self.configuration = configuration
    }

    /// Measures every path and peer and returns the results; an error of the runner other than a `BenchError` is
    /// thrown.
    public func run() throws -> BenchResults {
        let executable = RunningProcess.executablePath
        do {
            try configuration.checkTshark(for: paths)
        } catch {
            fail("\(error)", code: 1)
        }
        var peerTools: [PeerTool] = []
        if peers {
            let found: (available: [PeerTool], missing: [(tool: PeerTool, reason: String)])
            do {
                found = try PeerTool.find(python: python, directory: peersDir, executable: executable)
            } catch {
                fail("\(error)", code: 1)
            }
            for (tool, reason) in found.missing {
                printError("--peers: skipping \(tool.name): \(reason)")
            }
            peerTools = found.available
        }
        let runner = OfflineRunner(
            executable: executable, traces: traces, paths: paths, configuration: configuration,
            maxPackets: maxPackets, slowMaxPackets: slowMaxPackets, peers: peerTools)
        let results: BenchResults
        do {
            results = try runner.run(log: printError)
        } catch let error as BenchError {
            fail("\(error)", code: 1)
        }
        for warning in runner.warnings(results.runs) { printError("bench: warning: " + warning) }
        return results
    }
}

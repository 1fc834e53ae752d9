import FlowCapture
import FlowIngest

#if canImport(Glibc)
import Glibc
#endif

/// A Python tool run by `--peers`, through a script of ours in scripts/peers.
public struct PeerTool: Sendable {
    /// The name in tables and files: pypcap+dpkt, scapy, pyshark, nfstream.
    public var name: String
    /// The path of our script that runs the tool on a trace and prints one JSON line (packets, flows).
    public var script: String
    /// The Python that runs the script.
    public var python: String
    /// The Python modules the tool needs.
    public var modules: [String]
    /// Whether the tool is slow enough that it reads only the first packets of a trace (as the tshark paths do).
    public var isSlow: Bool
    /// Whether the script takes `--max-packets`.
    public var honoursLimit: Bool

    static let known: [(name: String, file: String, modules: [String], slow: Bool, limit: Bool)] = [
        ("pypcap+dpkt", "dpkt_pypcap.py", ["pcap", "dpkt"], false, true),
        ("scapy", "scapy_reader.py", ["scapy"], true, true),
        ("pyshark", "pyshark_reader.py", ["pyshark"], true, true),
        ("nfstream", "nfstream_reader.py", ["nfstream"], false, false),
    ]

    /// The peer tools of `--peers`: those whose modules import in `python` (by default $FLOWMETER_PYTHON, else
    /// python3) with the scripts in `directory` (by default `defaultDirectory(executable:)`), and why each other
    /// one is skipped. Throws a `BenchError` when there is no such Python or no script directory.
    public static func find(python: String?, directory: String?, executable: String) throws(BenchError)
        -> (available: [PeerTool], missing: [(tool: PeerTool, reason: String)])
    {
        let python = python ?? getenv("FLOWMETER_PYTHON").map { String(cString: $0) } ?? "python3"
        guard let pythonPath = ChildProcess.which(python) else {
            throw BenchError("--peers: no Python at '\(python)' (give one with --python or $FLOWMETER_PYTHON)")
        }
        guard let directory = directory ?? defaultDirectory(executable: executable) else {
            throw BenchError(
                "--peers: cannot find the peer scripts (scripts/peers); give their directory with --peers-dir")
        }
        return probe(python: pythonPath, directory: directory)
    }

    /// $FLOWMETER_PEERS_DIR, else scripts/peers of the checkout the executable was built in (it lives in
    /// .build/<config>/ there); nil when neither is found.
    public static func defaultDirectory(executable: String) -> String? {
        if let env = getenv("FLOWMETER_PEERS_DIR") { return String(cString: env) }
        var directory = executable
        for _ in 0..<6 {
            guard let slash = directory.lastIndex(of: "/") else { break }
            directory = String(directory[..<slash])
            if directory.isEmpty { break }
            let candidate = directory + "/scripts/peers"
            if access(candidate + "/dpkt_pypcap.py", R_OK) == 0 { return candidate }
        }
        return nil
    }

    /// The tools whose modules import in `python`, and why the others are skipped.
    public static func probe(python: String, directory: String)
        -> (available: [PeerTool], missing: [(tool: PeerTool, reason: String)])
    {
        var available: [PeerTool] = []
        var missing: [(tool: PeerTool, reason: String)] = []
        for entry in known {
            let tool = PeerTool(
                name: entry.name, script: directory + "/" + entry.file, python: python, modules: entry.modules,
                isSlow: entry.slow, honoursLimit: entry.limit)
            guard access(tool.script, R_OK) == 0 else {
                missing.append((tool, "no script \(tool.script)"))
                continue
            }
            let check = "import " + entry.modules.joined(separator: ", ")
            if let child = try? ChildProcess(executable: python, arguments: ["-c", check], captureOutput: false),
                let outcome = try? child.wait(), outcome.termination == .exited(0)
            {
                available.append(tool)
            } else {
                missing.append(
                    (
                        tool,
                        "'\(check)' fails in \(python) (install: pip install \(entry.modules.map { $0 == "pcap" ? "pypcap" : $0 }.joined(separator: " ")))"
                    ))
            }
        }
        return (available, missing)
    }
}

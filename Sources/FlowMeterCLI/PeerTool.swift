import FlowCapture

#if canImport(Glibc)
import Glibc
#endif

/// A Python tool run by `--peers`, through a script of ours in scripts/peers.
struct PeerTool {
    var name: String
    var script: String
    var python: String
    var modules: [String]
    var isSlow: Bool
    var honoursLimit: Bool

    static let known: [(name: String, file: String, modules: [String], slow: Bool, limit: Bool)] = [
        ("pypcap+dpkt", "dpkt_pypcap.py", ["pcap", "dpkt"], false, true),
        ("scapy", "scapy_reader.py", ["scapy"], true, true),
        ("pyshark", "pyshark_reader.py", ["pyshark"], true, true),
        ("nfstream", "nfstream_reader.py", ["nfstream"], false, false),
    ]

    /// scripts/peers of the checkout the executable was built in (it lives in .build/<config>/ there).
    static func defaultDirectory(executable: String) -> String? {
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
    static func probe(python: String, directory: String) -> ([PeerTool], [(PeerTool, String)]) {
        var available: [PeerTool] = []
        var missing: [(PeerTool, String)] = []
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
                missing.append((tool, "'\(check)' fails in \(python) (install: pip install \(entry.modules.map { $0 == "pcap" ? "pypcap" : $0 }.joined(separator: " ")))"))
            }
        }
        return (available, missing)
    }
}

import FlowDataset
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--anonymize KEYFILE` end to end on real captures: no address of the input is left anywhere in the output, the
/// output is the same for any thread count and changes with the key, labels are matched on the real addresses.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.timeLimit(.minutes(10))) struct AnonymizeCommandTests {
    static let captures = ["http_ipv6.pcap", "dns_long.pcap", "443-chrome.pcap", "quic.pcap", "vlan.pcap"]

    static func pcap(_ name: String) -> String {
        CLIRunner.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/pcaps/\(name)").path
    }

    static func key(_ scratch: ScratchDirectory, _ name: String = "k.key") throws -> String {
        let path = scratch.path(name)
        try Anonymizer.makeKey(path: path)
        return path
    }

    /// Every value of the columns named, over the rows of a CSV output.
    static func values(_ csv: Data, _ columns: [String]) -> Set<String> {
        let lines = String(decoding: csv, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let header = lines.first?.components(separatedBy: ",") else { return [] }
        let indices = columns.compactMap { header.firstIndex(of: $0) }
        var out = Set<String>()
        for line in lines.dropFirst() {
            let cells = line.components(separatedBy: ",")
            for i in indices where i < cells.count { out.insert(cells[i]) }
        }
        return out
    }

    @Test func noAddressOfTheInputIsLeftAnywhereInTheOutput() throws {
        let scratch = try ScratchDirectory()
        let key = try Self.key(scratch)
        var checked = 0
        for name in Self.captures where FileManager.default.fileExists(atPath: Self.pcap(name)) {
            let options = ["--features", "cic", "--statistics", "-q"]
            let plain = try CLIRunner.run(["convert", Self.pcap(name), "-o", "-"] + options)
            let hidden = try CLIRunner.run(["convert", Self.pcap(name), "-o", "-", "--anonymize", key] + options)
            #expect(hidden.status == plain.status, "\(name): \(hidden.stderr)")
            let addresses = Self.values(plain.stdout, ["src_ip", "dst_ip"]).filter { !$0.isEmpty }
            #expect(!addresses.isEmpty)
            let names = Self.values(plain.stdout, ["requested_server_name", "user_agent"]).filter { $0.count > 3 }
            let text = String(decoding: hidden.stdout, as: UTF8.self)
            // As a whole field, or inside one (CIC's Flow ID "a-b-sport-dport-proto").
            let fields = Set(text.components(separatedBy: CharacterSet(charactersIn: ",\r\n\"-")))
            for address in addresses { #expect(!fields.contains(address), "\(name): \(address) is in the output") }
            for value in names { #expect(!text.contains(value), "\(name): '\(value)' is in the output") }
            // Same rows and columns otherwise: the row count and a column that is not anonymised.
            #expect(Self.values(hidden.stdout, ["bidirectional_bytes"]) == Self.values(plain.stdout, ["bidirectional_bytes"]))
            checked += 1
        }
        #expect(checked >= 3, "conformance captures not found beside the checkout")
    }

    @Test func theSameKeyGivesTheSameBytesForAnyThreadCountAndAnotherKeyOthers() throws {
        let scratch = try ScratchDirectory()
        let key = try Self.key(scratch)
        let other = try Self.key(scratch, "other.key")
        let input = Self.pcap("443-chrome.pcap")
        var outputs: [Data] = []
        for threads in ["1", "2", "3"] {
            let r = try CLIRunner.run(["convert", input, "-o", "-", "-q", "--anonymize", key, "--threads", threads])
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(r.stdout)
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
        let parquet = scratch.path("a.parquet")
        let p = try CLIRunner.run(["convert", input, "-o", parquet, "-q", "--anonymize", key])
        #expect(p.status == 0)
        let again = try CLIRunner.run(["convert", input, "-o", "-", "-q", "--anonymize", other])
        #expect(again.stdout != outputs[0])
        // Prefix preservation survives into the output: addresses that shared /24 still do.
        let plain = try CLIRunner.run(["convert", input, "-o", "-", "-q"])
        #expect(Self.values(plain.stdout, ["src_ip"]).count == Self.values(outputs[0], ["src_ip"]).count)
    }

    @Test func labelsAreMatchedOnTheRealAddresses() throws {
        let scratch = try ScratchDirectory()
        let key = try Self.key(scratch)
        let input = Self.pcap("443-chrome.pcap")
        let plain = try CLIRunner.run(["convert", input, "-o", "-", "-q"])
        let source = try #require(Self.values(plain.stdout, ["src_ip"]).sorted().first)
        let rules = scratch.path("rules.csv")
        try "label,src\nmarked,\(source)\n".write(toFile: rules, atomically: true, encoding: .utf8)
        let labelled = try CLIRunner.run(["convert", input, "-o", "-", "-q", "--labels", rules])
        let both = try CLIRunner.run(["convert", input, "-o", "-", "-q", "--labels", rules, "--anonymize", key])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(Self.values(both.stdout, ["label"]).contains("marked"))
        let labels = { (d: Data) in
            String(decoding: d, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }.map {
                $0.components(separatedBy: ",").first { $0 == "marked" || $0 == "BENIGN" } ?? "?"
            }
        }
        #expect(labels(both.stdout) == labels(labelled.stdout))
    }

    @Test func keyAndColumnProblemsStopBeforeAnyOutput() throws {
        let scratch = try ScratchDirectory()
        let input = Self.pcap("443-chrome.pcap")
        let output = scratch.path("o.csv")
        let missing = try CLIRunner.run(["convert", input, "-o", output, "--anonymize", scratch.path("none.key")])
        #expect(missing.status == 64 && missing.stderr.contains("none.key") && missing.stderr.contains("flowmeter keygen"))
        let key = try Self.key(scratch)
        chmod(key, 0o644)
        let open = try CLIRunner.run(["convert", input, "-o", output, "--anonymize", key])
        #expect(open.status == 64 && open.stderr.contains("chmod 600"))
        chmod(key, 0o600)
        let unknown = try CLIRunner.run(["convert", input, "-o", output, "--anonymize", key, "--anonymize-columns", "nope"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no column 'nope'"))
        #expect(!FileManager.default.fileExists(atPath: output))
        let orphan = try CLIRunner.run(["convert", input, "-o", output, "--keep-oui"])
        #expect(orphan.status == 64 && orphan.stderr.contains("--keep-oui applies to --anonymize"))
        let keygen = try CLIRunner.run(["keygen", key])
        #expect(keygen.status == 1 && keygen.stderr.contains("refusing to overwrite"))
    }
}

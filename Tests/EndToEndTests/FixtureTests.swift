import Foundation
import Testing

/// One run of one fixture (`Fixtures.swift`): the unit of the parameterised test, named by its golden file.
struct FixtureCase: Sendable, CustomTestStringConvertible {
    let fixture: Fixture
    let run: FixtureRun

    var goldenName: String { "\(fixture.name)\(run.suffix).csv" }
    var options: [String] { Fixture.commonOptions + run.options }
    var testDescription: String { goldenName }

    static let all: [FixtureCase] = Fixture.all.flatMap { f in f.runs.map { FixtureCase(fixture: f, run: $0) } }
}

/// Converts every fixture capture with the `flowmeter` executable and compares the CSV, byte for byte, with
/// its golden in `Golden/fixtures/`, then checks the run's hand-checked facts on it.
///
/// Environment:
/// - `FLOWMETER_UPDATE_GOLDEN=1` (re)writes the goldens from the current build instead of comparing; every
///   case then records an issue, so an update run never passes.
/// - `FLOWMETER_DUMP_FIXTURES=DIR` also writes each capture (`DIR/<fixture>.pcap`) and a manifest per run
///   (`DIR/<golden name>.json`: options, golden path, declared deviations) for
///   `scripts/check_golden_with_nfstream.py`.
@Suite struct FixtureTests {
    static let environment = ProcessInfo.processInfo.environment
    static let updating = environment["FLOWMETER_UPDATE_GOLDEN"] == "1"
    static let dumpDirectory: String? = environment["FLOWMETER_DUMP_FIXTURES"].flatMap { $0.isEmpty ? nil : $0 }

    static var goldenDirectory: URL { CLIRunner.golden("fixtures") }

    @Test(arguments: FixtureCase.all)
    func convertsToTheGoldenCSV(_ c: FixtureCase) throws {
        let dir = try ScratchDirectory()
        let pcap = dir.path("\(c.fixture.name).pcap")
        try c.fixture.pcap().write(to: pcap)
        if let dump = Self.dumpDirectory { try Self.dump(c, pcap: pcap, into: dump) }

        let output = dir.path("out.csv")
        let result = try CLIRunner.run(["convert", pcap, "-o", output, "-q"] + c.options)
        try #require(result.status == 0, "flowmeter exited with \(result.status): \(result.stderr)")
        if c.fixture.name == "time-backwards" {
            // Three packets go back in time, the furthest from 2500 ms to 900 ms: one warning says so.
            let warning =
                "flowmeter: warning: '\(pcap)': 3 packets are stamped earlier than the latest time already seen, "
                + "by up to 1600 ms;"
            #expect(result.stderr.hasPrefix(warning), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        } else {
            #expect(result.stderr.isEmpty, "\(result.stderr)")
        }
        let produced = try Data(contentsOf: URL(fileURLWithPath: output))

        let golden = Self.goldenDirectory.appendingPathComponent(c.goldenName)
        if Self.updating {
            try FileManager.default.createDirectory(at: Self.goldenDirectory, withIntermediateDirectories: true)
            try produced.write(to: golden)
            Issue.record("FLOWMETER_UPDATE_GOLDEN=1: rewrote \(golden.path) instead of comparing")
        } else if let expected = FileManager.default.contents(atPath: golden.path) {
            if produced != expected {
                Issue.record("\(c.goldenName) differs from the golden: \(Self.firstDifference(produced, expected))")
            }
        } else {
            Issue.record("no golden \(golden.path); write it with FLOWMETER_UPDATE_GOLDEN=1 and review it")
        }

        let table = try FixtureCSV(produced)
        for fact in c.run.facts { Self.check(fact, table, c.goldenName) }
    }

    @Test func everyGoldenBelongsToAFixtureRun() throws {
        let names = Set(FixtureCase.all.map(\.goldenName))
        #expect(names.count == FixtureCase.all.count, "two runs share a golden name")
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.goldenDirectory.path)
            .filter { $0.hasSuffix(".csv") }
        #expect(Set(files).subtracting(names).sorted() == [], "goldens without a fixture run")
    }

    // MARK: - Helpers

    /// Writes the capture and the run's manifest for the NFStream check.
    static func dump(_ c: FixtureCase, pcap: String, into directory: String) throws {
        let dir = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let pcapName = "\(c.fixture.name).pcap"
        // Every run of a fixture writes the same bytes; atomic writes keep concurrent runs from mixing them.
        try Data(contentsOf: URL(fileURLWithPath: pcap)).write(
            to: dir.appendingPathComponent(pcapName), options: .atomic)
        let manifest = Manifest(
            fixture: c.fixture.name, golden: goldenDirectory.appendingPathComponent(c.goldenName).path,
            pcap: pcapName, linkType: Int(c.fixture.linkType.rawValue), options: c.options,
            deviations: c.run.deviations, flowmeter: CLIRunner.executable.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let name = String(c.goldenName.dropLast(4)) + ".json"
        try encoder.encode(manifest).write(to: dir.appendingPathComponent(name), options: .atomic)
    }

    struct Manifest: Codable {
        var fixture: String
        var golden: String
        var pcap: String
        var linkType: Int
        var options: [String]
        var deviations: [FixtureDeviation]
        var flowmeter: String
    }

    /// The first line where `produced` and `expected` differ, both versions.
    static func firstDifference(_ produced: Data, _ expected: Data) -> String {
        let a = String(decoding: produced, as: UTF8.self).components(separatedBy: "\r\n")
        let b = String(decoding: expected, as: UTF8.self).components(separatedBy: "\r\n")
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : "<end of file>"
            let y = i < b.count ? b[i] : "<end of file>"
            if x != y { return "line \(i + 1):\n  produced: \(x)\n  golden:   \(y)" }
        }
        return "same lines, different bytes"
    }

    static func check(_ fact: FixtureFact, _ table: FixtureCSV, _ name: String) {
        func matching(_ values: [String: String]) -> [[String: String]] {
            table.rows.filter { row in values.allSatisfy { row[$0.key] == $0.value } }
        }
        switch fact {
        case .flowCount(let n):
            #expect(table.rows.count == n, "\(name): \(fact)")
        case .values(let column, let values):
            #expect(table.rows.map { $0[column] ?? "<no column>" }.sorted() == values.sorted(), "\(name): \(fact)")
        case .flow(let selector, let expected):
            let rows = matching(selector)
            guard rows.count == 1 else {
                Issue.record("\(name): \(rows.count) flows match \(selector), expected exactly 1 (\(fact))")
                return
            }
            for (column, value) in expected.sorted(by: { $0.key < $1.key }) {
                #expect(rows[0][column] == value, "\(name): flow \(selector), column \(column)")
            }
        case .noFlow(let selector):
            #expect(matching(selector).isEmpty, "\(name): \(fact)")
        case .noColumn(let column):
            #expect(!table.header.contains(column), "\(name): \(fact)")
        }
    }
}

/// A CSV file as Python's csv module writes it (CRLF, fields quoted only when needed, `""` inside quotes),
/// read into rows keyed by the header's names.
struct FixtureCSV {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var header: [String] = []
    var rows: [[String: String]] = []

    init(_ data: Data) throws {
        let records = try Self.parse(String(decoding: data, as: UTF8.self))
        guard let first = records.first else { throw Malformed(description: "empty CSV") }
        header = first
        for (i, fields) in records.dropFirst().enumerated() {
            guard fields.count == header.count else {
                throw Malformed(description: "row \(i + 1) has \(fields.count) fields, the header \(header.count)")
            }
            rows.append(Dictionary(uniqueKeysWithValues: zip(header, fields)))
        }
    }

    static func parse(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let ch = chars.popFirst() {
            if quoted {
                if ch == "\"" {
                    if chars.first == "\"" {
                        field.unicodeScalars.append(chars.removeFirst())
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(ch)
                }
            } else if ch == "\"" && field.isEmpty {
                quoted = true
            } else if ch == "," {
                fields.append(field)
                field = ""
            } else if ch == "\r" && chars.first == "\n" {
                chars.removeFirst()
                fields.append(field)
                records.append(fields)
                fields = []
                field = ""
            } else {
                field.unicodeScalars.append(ch)
            }
        }
        if quoted { throw Malformed(description: "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append(fields)
        }
        return records
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The runs of one bench invocation, and what is made of them: an aligned table, results.csv (one row per run),
/// results.json (settings, runs and per-path summaries) and SVG charts.
public struct BenchResults: Sendable {
    /// Which bench made the runs.
    public enum Mode: String, Sendable {
        /// `bench offline`: capture files.
        case offline
        /// `bench live`: generated traffic, captured.
        case live
    }

    /// Which bench made the runs (it decides the table's columns and the charts).
    public var mode: Mode
    /// Every run, in the order measured.
    public var runs: [BenchRun]
    /// The settings of the invocation as name and value, in the order written to results.json.
    public var settings: [(String, String)]
    /// What was measured, under every chart's title (e.g. "mixed: 777,580 packets · detection off · …").
    public var caption: String

    /// The results of `runs`, made by the `mode` bench with `settings`.
    public init(mode: Mode, runs: [BenchRun], settings: [(String, String)], caption: String = "") {
        self.mode = mode
        self.runs = runs
        self.settings = settings
        self.caption = caption
    }

    /// Scenarios (traces or live scenarios) in first-seen order.
    public var scenarios: [String] { ordered(runs.map(\.scenario)) }
    /// Paths (and peer tools) in first-seen order.
    public var paths: [String] { ordered(runs.map(\.path)) }

    /// The runs of one scenario through one path.
    public func runs(_ scenario: String, _ path: String) -> [BenchRun] {
        runs.filter { $0.scenario == scenario && $0.path == path }
    }

    /// The mean and deviation of `value` over the runs of one scenario through one path (nil when none has a value).
    public func stat(_ scenario: String, _ path: String, _ value: (BenchRun) -> Double?) -> MeanDeviation? {
        let values = runs(scenario, path).compactMap(value)
        return values.isEmpty ? nil : MeanDeviation(values)
    }

    // MARK: table

    /// The aligned text table of the means per scenario and path (what the bench prints), with a last line on the
    /// number of runs and the settings that matter for reading it.
    public func table() -> String {
        var header: [String]
        var rows: [[String]] = []
        switch mode {
        case .offline:
            header = [
                "trace", "path", "packets", "wall s", "CPU s", "CPU %", "peak RSS MiB", "packets/s", "CPU µs/pkt",
                "±sd", "flows",
            ]
            for scenario in scenarios {
                for path in paths {
                    let r = runs(scenario, path)
                    guard let first = r.first else { continue }
                    let m = { (f: (BenchRun) -> Double) in MeanDeviation(r.map(f)) }
                    var packets = String(first.packetsCounted)
                    if let limit = first.packetLimit, first.packetsCounted >= limit { packets += " (first)" }
                    rows.append([
                        scenario, path, packets, formatNumber(m { $0.wallSeconds }.mean, 2),
                        formatNumber(m { $0.cpuSeconds }.mean, 2), formatNumber(m { $0.cpuPercent }.mean, 0),
                        formatNumber(m { Double($0.peakRSSKiB) / 1024 }.mean, 1),
                        groupThousands(m { $0.packetsPerSecond }.mean),
                        formatNumber(m { $0.cpuMicrosecondsPerPacket }.mean, 2),
                        r.count > 1 ? formatNumber(m { $0.cpuMicrosecondsPerPacket }.deviation, 2) : "-",
                        first.flows.map(String.init) ?? "",
                    ])
                }
            }
        case .live:
            header = ["scenario", "path", "sent", "counted", "loss %", "CPU %", "±sd", "peak RSS MiB"]
            for scenario in scenarios {
                for path in paths {
                    let r = runs(scenario, path)
                    guard !r.isEmpty else { continue }
                    let m = { (f: (BenchRun) -> Double) in MeanDeviation(r.map(f)) }
                    let cpu = m { $0.cpuPercent }
                    rows.append([
                        scenario, path, groupThousands(m { Double($0.packetsSent ?? 0) }.mean),
                        groupThousands(m { Double($0.packetsCounted) }.mean),
                        formatNumber(m { $0.lossPercent ?? 0 }.mean, 2), formatNumber(cpu.mean, 1),
                        r.count > 1 ? formatNumber(cpu.deviation, 1) : "-",
                        formatNumber(m { Double($0.peakRSSKiB) / 1024 }.mean, 1),
                    ])
                }
            }
        }
        let numeric = Set(2..<header.count)
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                return numeric.contains(i) ? padding + cell : cell + padding
            }.joined(separator: "  ") + "\n"
        }
        var text = line(header)
        text += line(widths.map { String(repeating: "-", count: $0) })
        for row in rows { text += line(row) }
        let repeats = Set(runs.map(\.repetition)).count
        text += "means of \(repeats) run\(repeats == 1 ? " each (no deviation: use --repeat 3 or more)" : "s each"); "
        text +=
            settings.filter { ["cpus", "load_average_at_start", "window_seconds"].contains($0.0) }
            .map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + "\n"
        return text
    }

    // MARK: files

    /// The header line of results.csv.
    public static let csvHeader =
        "mode,scenario,path,repetition,wall_s,user_s,sys_s,cpu_percent,peak_rss_kib,packets_counted,packets_sent,loss_percent,packets_per_s,cpu_us_per_packet,flows,packet_limit"

    /// results.csv: one row per run.
    public func csv() -> String {
        var text = Self.csvHeader + "\n"
        for r in runs {
            let fields: [String] = [
                mode.rawValue, csvField(r.scenario), csvField(r.path), String(r.repetition + 1),
                formatNumber(r.wallSeconds, 6), formatNumber(r.userSeconds, 6), formatNumber(r.systemSeconds, 6),
                formatNumber(r.cpuPercent, 3), String(r.peakRSSKiB), String(r.packetsCounted),
                r.packetsSent.map(String.init) ?? "", r.lossPercent.map { formatNumber($0, 4) } ?? "",
                formatNumber(r.packetsPerSecond, 1), formatNumber(r.cpuMicrosecondsPerPacket, 4),
                r.flows.map(String.init) ?? "", r.packetLimit.map(String.init) ?? "",
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// results.json: the mode, the settings, every run and a summary (mean and sd) per scenario and path.
    public func json() -> String {
        var text = "{\n  \"mode\": \"\(mode.rawValue)\",\n  \"settings\": {"
        text += settings.map { "\(jsonString($0.0)): \(jsonString($0.1))" }.joined(separator: ", ")
        text += "},\n  \"runs\": [\n"
        text += runs.map { r in
            var fields = [
                "\"scenario\": \(jsonString(r.scenario))", "\"path\": \(jsonString(r.path))",
                "\"repetition\": \(r.repetition + 1)", "\"wall_s\": \(formatNumber(r.wallSeconds, 6))",
                "\"user_s\": \(formatNumber(r.userSeconds, 6))", "\"sys_s\": \(formatNumber(r.systemSeconds, 6))",
                "\"cpu_percent\": \(formatNumber(r.cpuPercent, 3))", "\"peak_rss_kib\": \(r.peakRSSKiB)",
                "\"packets_counted\": \(r.packetsCounted)",
                "\"cpu_us_per_packet\": \(formatNumber(r.cpuMicrosecondsPerPacket, 4))",
            ]
            if let sent = r.packetsSent { fields.append("\"packets_sent\": \(sent)") }
            if let loss = r.lossPercent { fields.append("\"loss_percent\": \(formatNumber(loss, 4))") }
            if let flows = r.flows { fields.append("\"flows\": \(flows)") }
            if let limit = r.packetLimit { fields.append("\"packet_limit\": \(limit)") }
            return "    {" + fields.joined(separator: ", ") + "}"
        }.joined(separator: ",\n")
        text += "\n  ],\n  \"summary\": [\n"
        var summaries: [String] = []
        for scenario in scenarios {
            for path in paths where !runs(scenario, path).isEmpty {
                var fields = ["\"scenario\": \(jsonString(scenario))", "\"path\": \(jsonString(path))"]
                let metrics: [(String, (BenchRun) -> Double?)] = [
                    ("wall_s", { $0.wallSeconds }), ("cpu_percent", { $0.cpuPercent }),
                    ("peak_rss_mib", { Double($0.peakRSSKiB) / 1024 }),
                    ("packets_counted", { Double($0.packetsCounted) }),
                    ("packets_sent", { $0.packetsSent.map(Double.init) }), ("loss_percent", { $0.lossPercent }),
                    ("packets_per_s", { $0.packetsPerSecond }), ("cpu_us_per_packet", { $0.cpuMicrosecondsPerPacket }),
                ]
                for (name, f) in metrics {
                    if let s = stat(scenario, path, f) {
                        fields.append(
                            "\"\(name)\": {\"mean\": \(formatNumber(s.mean, 4)), \"sd\": \(formatNumber(s.deviation, 4))}"
                        )
                    }
                }
                summaries.append("    {" + fields.joined(separator: ", ") + "}")
            }
        }
        text += summaries.joined(separator: ",\n") + "\n  ]\n}\n"
        return text
    }

    /// The charts of this mode: file name and SVG text.
    public func charts() -> [(String, String)] {
        func chart(
            _ title: String, _ unit: String, log: Bool, series: [String]? = nil, _ f: @escaping (BenchRun) -> Double?
        )
            -> String
        {
            let seriesNames = series ?? paths
            let values = scenarios.map { scenario in
                seriesNames.map { path in stat(scenario, path, f).map { ($0.mean, $0.deviation) } }
            }
            return BarChart(
                title: title, subtitle: caption, axisLabel: unit, groups: scenarios, series: seriesNames,
                values: values, logarithmic: log
            ).svg()
        }
        switch mode {
        case .offline:
            return [
                (
                    "cpu-us-per-packet.svg",
                    chart("CPU time per packet", "CPU µs per packet (log scale)", log: true) {
                        $0.cpuMicrosecondsPerPacket
                    }
                ),
                ("peak-rss.svg", chart("Peak memory", "peak RSS, MiB", log: false) { Double($0.peakRSSKiB) / 1024 }),
                (
                    "packets-per-second.svg",
                    chart("Throughput", "packets per second (log scale)", log: true) { $0.packetsPerSecond }
                ),
                ("cpu-percent.svg", chart("CPU use", "CPU % of one core", log: false) { $0.cpuPercent }),
            ]
        case .live:
            // Packets counted by each path, next to the generator's count.
            let countedSeries = ["sent"] + paths
            let counted = BarChart(
                title: "Packets counted vs sent", subtitle: caption, axisLabel: "packets", groups: scenarios,
                series: countedSeries,
                values: scenarios.map { scenario in
                    countedSeries.map { name in
                        if name == "sent" {
                            let sent = runs.filter { $0.scenario == scenario }.compactMap {
                                $0.packetsSent.map(Double.init)
                            }
                            return sent.isEmpty
                                ? nil
                                : {
                                    let s = MeanDeviation(sent); return (s.mean, s.deviation)
                                }()
                        }
                        return stat(scenario, name, { Double($0.packetsCounted) }).map { ($0.mean, $0.deviation) }
                    }
                }, logarithmic: true)
            return [
                (
                    "cpu-percent.svg",
                    chart("CPU use while capturing", "CPU % of one core", log: false) { $0.cpuPercent }
                ),
                ("peak-rss.svg", chart("Peak memory", "peak RSS, MiB", log: false) { Double($0.peakRSSKiB) / 1024 }),
                ("packets.svg", counted.svg()),
                ("loss-percent.svg", chart("Packets not counted", "loss %", log: false) { $0.lossPercent }),
            ]
        }
    }

    /// Writes results.csv, results.json, table.txt and the charts into `directory` (created if missing). Throws a
    /// `BenchError` naming the directory or file that could not be written.
    public func write(to directory: String) throws(BenchError) {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw BenchError("cannot create --out directory '\(directory)': \(String(cString: strerror(errno)))")
        }
        var files = [("results.csv", csv()), ("results.json", json()), ("table.txt", table())]
        files += charts()
        for (name, text) in files {
            try writeFile(directory + "/" + name, text)
        }
    }
}

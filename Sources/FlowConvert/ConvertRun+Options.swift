import FlowWriters

extension ConvertRun {
    /// Throws `Invalid` for missing inputs or outputs and options that do not go together.
    public func validate() throws {
        if inputs.isEmpty { throw Invalid(description: "give at least one INPUT capture") }
        if inputs.filter({ $0 == "-" }).count > 1 {
            throw Invalid(description: "'-' (standard input) can be given once")
        }
        if ingest.path == .tshark {
            if let bpf {
                throw Invalid(
                    description:
                        "--bpf '\(bpf)' cannot be used with --ingest tshark: tshark applies no capture filter when it "
                        + "reads a file; drop --bpf, or use --ingest direct or object")
            }
            if inputs.contains("-") {
                throw Invalid(
                    description:
                        "--ingest tshark cannot read standard input ('-'): it reads capture files by name; save the "
                        + "capture to a file, or use --ingest direct or object")
            }
        }
        switch (out.outputOption, outputDir) {
        case (nil, nil):
            throw Invalid(
                description: "give the output: -o OUTPUT (one output), or --output-dir DIR (one output per input)")
        case (.some(let output), .some(let directory)):
            throw Invalid(
                description:
                    "-o '\(output)' and --output-dir '\(directory)' cannot be used together: -o writes every input to one "
                    + "output, --output-dir one output per input; give one of them")
        default: break
        }
        if let outputDir {
            if outputDir.isEmpty { throw Invalid(description: "--output-dir must name a directory") }
            if inputs.contains("-") {
                throw Invalid(
                    description:
                        "--output-dir names each output after its input, and standard input ('-') has no name: save the "
                        + "capture to a file, or use -o")
            }
        }
        if let jobs {
            guard (1...Self.maxJobs).contains(jobs) else {
                throw Invalid(description: "--jobs must be between 1 and \(Self.maxJobs) (got \(jobs))")
            }
            if jobs > 1 && !eachFileMode {
                throw Invalid(
                    description:
                        "--jobs \(jobs) converts inputs in parallel, which needs --each-file or --output-dir (each input "
                        + "its own capture); add --each-file, or drop --jobs (--threads sets the meter threads)")
            }
        }
        if let manifest, manifest.isEmpty || manifest == "-" || manifest.hasSuffix("/") {
            throw Invalid(description: "--manifest must name a file, e.g. run.json (got '\(manifest)')")
        }
    }

    /// What a Parquet output records of the run: the metering options (`MeterOptions.provenance`), and the dataset
    /// options that change values — the label rules (path and SHA-256) and whether the output is anonymised (never
    /// the key).
    public var outputMetadata: [(String, String)] {
        var metadata = meter.provenance(command: "convert", bpf: bpf)
        if let rules = labels.rules {
            metadata.append(
                (
                    "flowmeter.labels",
                    "{\"rules\":\"\(JSONText.escaped(rules))\",\"sha256\":\"\(Self.digest(rules) ?? "")\"}"
                )
            )
        }
        if out.anonymize != nil { metadata.append(("flowmeter.anonymized", "true")) }
        return metadata
    }

    /// The SHA-256 (hex) of a file named by an option, if it can be read.
    static func digest(_ path: String?) -> String? {
        guard let path, let digest = try? FileDigest.of(path) else { return nil }
        return digest.sha256
    }

    /// Every option of the run as the manifest records it, in a fixed order: what was given and, where a default
    /// or another option decides, the value used.
    public func manifestOptions() -> [(String, ManifestJSON)] {
        let parquet = out.effectiveFormat == .parquet
        let ipfix = out.effectiveFormat == .ipfix
        let features = ((try? meter.plugins()) ?? []).map { ManifestJSON.string($0.name) }
        func int(_ value: Int?) -> ManifestJSON { value.map { .integer(Int64($0)) } ?? .null }
        return [
            ("inputs", .array(inputs.map { .string($0) })),
            ("output", .text(out.outputOption)),
            ("output_dir", .text(outputDir)),
            ("format", .string(out.fileExtension)),
            ("each_file", .bool(eachFileMode)),
            ("jobs", .integer(Int64(jobCount))),
            ("threads", .integer(Int64(eachFileMode ? threadsPerJob : meter.threadCount))),
            ("manifest", .text(manifest)),
            ("recursive", .bool(recursive)),
            ("stop_on_damage", .bool(stopOnDamage)),
            ("quiet", .bool(quiet)),
            ("feature_sets", .array(features)),
            ("statistics", .bool(meter.statistics)),
            ("features", .text(meter.features)),
            ("splt", .integer(Int64(meter.splt))),
            ("dissections", .integer(Int64(meter.effectiveDissections))),
            ("accounting_mode", .integer(Int64(meter.accountingMode))),
            ("idle_timeout", .double(meter.idleTimeout)),
            ("active_timeout", .double(meter.activeTimeout)),
            ("max_flows", .integer(Int64(meter.maxFlows))),
            ("tcp_termination", .bool(meter.tcpTermination)),
            ("decode_tunnels", .bool(!meter.noTunnels)),
            ("bpf", .text(bpf)),
            ("ingest", .string(ingest.path.rawValue)),
            ("tshark_format", .string(ingest.tsharkFormat.rawValue)),
            ("tshark_path", .string(ingest.tsharkPath)),
            ("parquet_compression", parquet ? .string(out.parquetCompression ?? "zstd") : .null),
            ("parquet_row_group", parquet ? int(out.parquetRowGroup) : .null),
            ("ipfix_mtu", ipfix ? int(out.ipfixMtu) : .null),
            ("ipfix_template_refresh", ipfix ? (out.ipfixTemplateRefresh.map { .double($0) } ?? .null) : .null),
            ("ipfix_domain", ipfix ? int(out.ipfixDomain) : .null),
            ("ipfix_pen", ipfix ? int(out.ipfixPen) : .null),
            ("ipfix_type_records", .bool(out.ipfixTypeRecords)),
            ("time_unit", .string(meter.timeUnit.suffix)),
            ("labels", .text(labels.rules)),
            ("labels_sha256", Self.digest(labels.rules).map { .string($0) } ?? .null),
            ("default_label", labels.rules == nil ? .null : .string(labels.defaultLabel ?? "BENIGN")),
            ("label_time", labels.rules == nil ? .null : .string((labels.time ?? .overlap).rawValue)),
            ("anonymize", .bool(out.anonymize != nil)),
            // Which key, without the key: the first 16 hex digits of its SHA-256 (a resumed run with another key
            // redoes every output).
            ("anonymize_key_id", Self.digest(out.anonymize).map { .string(String($0.prefix(16))) } ?? .null),
            ("keep_oui", .bool(out.keepOui)),
            ("anonymize_columns", .text(out.anonymizeColumns)),
        ]
    }

    /// The options that shape an output's bytes (and flowmeter's version), on one line: what a resumed
    /// --output-dir run compares with the record of an earlier one. Not the paths, --jobs, --threads, --manifest,
    /// --recursive, --stop-on-damage or -q, which change no output.
    func resumeOptions() -> String {
        let neutral: Set<String> = [
            "inputs", "output", "output_dir", "jobs", "threads", "manifest", "recursive", "stop_on_damage", "quiet",
        ]
        let shaping = manifestOptions().filter { !neutral.contains($0.0) }
        return ManifestJSON.object([("flowmeter", .string(FlowmeterVersion.current))] + shaping).compact
    }
}

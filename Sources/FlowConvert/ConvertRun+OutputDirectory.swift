import FlowStreamer
import FlowWriters
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension ConvertRun {
    /// `--output-dir`: one output per input, resuming an earlier run (see `OutputDirectory`). Returns the exit
    /// status; `record` gets every input and output.
    func convertToDirectory(
        _ directory: String, inputs: [String], outputs: [String], streamer: FlowStreamer,
        record: inout ConvertManifest
    ) -> Int32 {
        do {
            try OutputDirectory(directory: directory, fileExtension: out.fileExtension).create()
        } catch {
            fail("\(error)", code: 1)
        }
        let options = resumeOptions()
        // Inputs whose complete output an earlier run left, with the same input bytes and options, are kept.
        var kept: [Int: ResumeRecord] = [:]
        var toConvert: [Int] = []
        for (i, input) in inputs.enumerated() {
            let output = outputs[i]
            if let earlier = ResumeRecord.read(
                from: OutputDirectory.recordPath(for: output), input: input, output: output),
                earlier.options == options, let digest = record.inputs[i].digest, earlier.input.digest == digest,
                let written = try? FileDigest.of(output), written == earlier.output.digest
            {
                kept[i] = earlier
            } else {
                OutputDirectory.clearPartial(for: output)
                toConvert.append(i)
            }
        }
        if !kept.isEmpty {
            let count = kept.count == 1 ? "1 output is" : "\(kept.count) outputs are"
            printError(
                "resuming: \(count) already complete in '\(directory)' (same input and options, recorded in "
                    + ".NAME.done beside each): \(kept.count == inputs.count ? "nothing left to convert" : "converting the other \(inputs.count - kept.count)")"
            )
        }

        let pending = toConvert
        let format = out.fileExtension
        let columns = streamer.eachFileSchema.columns.count
        let outputOptions = out
        let metadata = outputMetadata
        let digests = record.inputs.map(\.digest)
        let finished = Mutex<[Int: (ConvertManifest.Input, ConvertManifest.Output?)]>([:])
        let recordErrors = Mutex<[String]>([])
        let converted: (results: [EachFileResult], error: Error?)
        do {
            converted = try streamer.convertEachFile(
                inputs: pending.map { inputs[$0] }, jobs: jobCount,
                output: { k in
                    try outputOptions.makeWriter(path: outputs[pending[k]], metadata: metadata)
                },
                completed: { k, result in
                    let i = pending[k]
                    var input = ConvertManifest.Input(path: inputs[i], digest: digests[i])
                    if let summary = result.report?.inputs.first { input.record(summary) }
                    input.rows = result.rows
                    var output: ConvertManifest.Output? = nil
                    if result.written {
                        input.output = outputs[i]
                        do {
                            let digest = try FileDigest.of(outputs[i])
                            let entry = ConvertManifest.Output(
                                path: outputs[i], format: format, rows: result.rows, columns: columns, digest: digest,
                                input: inputs[i])
                            output = entry
                            try ResumeRecord(options: options, input: input, output: entry)
                                .write(to: OutputDirectory.recordPath(for: outputs[i]))
                        } catch {
                            recordErrors.withLock { $0.append("\(error)") }
                        }
                    }
                    finished.withLock { $0[i] = (input, output) }
                })
        } catch {
            fail("\(error)", code: 1)
        }
        let done = finished.withLock { $0 }
        record.outputs = []
        for i in inputs.indices {
            if let earlier = kept[i] {
                record.inputs[i] = earlier.input
                record.outputs.append(earlier.output)
            } else if let (input, output) = done[i] {
                record.inputs[i] = input
                if let output { record.outputs.append(output) }
            }
        }

        // What happened, and the exit status.
        var total = ConversionReport()
        for result in converted.results { if let report = result.report { total.add(report) } }
        for jump in total.backwardTime { printError(Self.warning(jump, eachFile: true)) }
        for damage in total.damagedInputs { printError("\(damage.error)") }
        for message in recordErrors.withLock({ $0 }) {
            printError("\(message) (this output will be converted again by a re-run)")
        }
        let complete = record.outputs.count
        if let error = converted.error {
            printError("\(error)")
            printError(
                "stopped: \(complete) of \(inputs.count) outputs are complete in '\(directory)'; a re-run converts the rest"
            )
            return 1
        }
        if total.interrupted {
            printError(
                "interrupted: \(complete) of \(inputs.count) outputs are complete in '\(directory)'; the ones being "
                    + "written were removed, and a re-run with the same options converts the rest")
            return 130
        }
        if let first = total.damagedInputs.first {
            if stopOnDamage, complete < inputs.count {
                printError(
                    "stopped at the damaged input '\(first.input)' (--stop-on-damage): \(complete) of \(inputs.count) "
                        + "outputs are complete in '\(directory)'")
            } else if inputs.count > 1 {
                let damaged = total.damagedInputs.count
                printError(
                    "\(damaged) of \(inputs.count) inputs \(damaged == 1 ? "is" : "are") damaged (listed above); "
                        + "the flows of every packet read were written to their outputs in '\(directory)'")
            }
            return 3
        }
        if !quiet && isatty(2) != 0 {
            printError(
                "\(total.packetsRead) packets, \(total.packetsIgnored) ignored, \(total.flowsWritten) flows written to "
                    + "\(pending.count) outputs in '\(directory)'" + (kept.isEmpty ? "" : " (\(kept.count) kept)"))
        }
        return 0
    }
}

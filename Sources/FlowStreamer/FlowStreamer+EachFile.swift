#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowWriters

extension FlowStreamer {
    /// The column an each-file conversion adds after `id`: the input each row was metered from.
    public static let sourceColumn = FeatureColumn(
        "source", .text, "The input the flow was metered from, as named on the command line (convert --each-file)")

    /// The columns of a conversion: the core columns of the meter configuration, then every plugin's.
    public var schema: FlowSchema { FlowSchema(configuration: configuration.meter, plugins: configuration.plugins) }

    /// The schema of an each-file conversion: the run's columns with `source` right after `id`.
    public var eachFileSchema: FlowSchema {
        var schema = self.schema
        schema.columns.insert(Self.sourceColumn, at: 1)
        return schema
    }

    /// Converts every input as its own capture (flows and the packet clock never cross inputs: a fresh meter for
    /// each) into one writer: rows in input order, `id` continuing from one input to the next, the `source` column
    /// after `id` (``eachFileSchema``).
    ///
    /// `jobs` inputs are metered at once, each with `configuration.threads` meter threads. With more than one
    /// job, every input's rows go to a spool file in `spoolDirectory` (unlinked at creation) and are appended to
    /// `writer` in input order as soon as the inputs before them are written; so the output is byte-identical for
    /// every `jobs`. Damage is reported per input; with `stopOnDamage` no input after a damaged one is started
    /// nor written. An interruption writes the rows metered so far up to the first interrupted input.
    ///
    /// Output errors (and spool errors) are thrown after abandoning `writer`.
    public func convertEachFile(
        inputs: [String], writer: FlowWriter, jobs: Int = 1, spoolDirectory: String = "/tmp",
        progress: ((ConversionProgress) -> Void)? = nil
    ) throws -> [EachFileResult] {
        try validate(inputs: inputs)
        do {
            try writer.begin(schema: eachFileSchema)
        } catch {
            writer.abandon()
            throw error
        }
        var results = inputs.map { EachFileResult(input: $0) }
        var nextID: UInt64 = 0
        do {
            if jobs <= 1 || inputs.count <= 1 {
                let total = inputs.contains("-") ? nil : inputs.reduce(Int64(0)) { $0 + (Self.fileSize($1) ?? 0) }
                var bytesBefore: Int64 = 0
                var packetsBefore: UInt64 = 0
                for (i, input) in inputs.enumerated() {
                    let rows = SourcedRows(target: writer, source: input, firstID: nextID)
                    let (before, packets) = (bytesBefore, packetsBefore)
                    let report = try convert(
                        inputs: [input], writer: rows,
                        progress: progress.map { progress in
                            { p in
                                progress(
                                    ConversionProgress(
                                        bytesRead: before + p.bytesRead, bytesTotal: total,
                                        packetsRead: packets + p.packetsRead, activeFlows: p.activeFlows))
                            }
                        })
                    results[i].record(report, rows: rows)
                    nextID = rows.nextID
                    bytesBefore += Self.fileSize(input) ?? 0
                    packetsBefore += report.packetsRead
                    if stops(after: report) { break }
                }
            } else {
                try convertInParallel(
                    inputs: inputs, writer: writer, jobs: jobs, spoolDirectory: spoolDirectory, progress: progress,
                    results: &results)
            }
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
        return results
    }

    /// Whether an each-file run starts no input after one that ended this way.
    func stops(after report: ConversionReport) -> Bool {
        report.interrupted || (configuration.stopOnDamage && !report.damagedInputs.isEmpty)
            || (configuration.packetLimit != nil && report.packetsRead >= configuration.packetLimit!)
    }

    /// `jobs` threads meter the inputs into spools, at most `4 × jobs` inputs ahead of the one being written; this
    /// thread appends them to `writer` in input order.
    func convertInParallel(
        inputs: [String], writer: FlowWriter, jobs: Int, spoolDirectory: String,
        progress: ((ConversionProgress) -> Void)?, results: inout [EachFileResult]
    ) throws {
        let run = ParallelInputs(count: inputs.count, window: 4 * jobs)
        let threads = (0..<min(jobs, inputs.count)).map { j in
            startThread(named: "job-\(j + 1)") { [self] in
                while let i = run.take() {
                    let outcome: ParallelInputs.Outcome
                    do {
                        let spool = try RecordSpool(directory: spoolDirectory)
                        let report = try convert(inputs: [inputs[i]], writer: spool)
                        try spool.finish()
                        outcome = .spooled(spool, report)
                        if stops(after: report) { run.stop() }
                    } catch {
                        outcome = .failed(error)
                        run.stop()
                    }
                    run.complete(i, outcome)
                }
            }
        }
        defer {
            run.stop()
            for thread in threads { pthread_join(thread, nil) }
        }
        let total = inputs.reduce(Int64(0)) { $0 + (Self.fileSize($1) ?? 0) }
        var bytesDone: Int64 = 0
        var packetsDone: UInt64 = 0
        var nextID: UInt64 = 0
        for i in inputs.indices {
            guard let outcome = run.wait(for: i) else { break }  // never started: the run stopped before it
            switch outcome {
            case .failed(let error):
                throw error
            case .done:
                preconditionFailure("a spooled input has no output of its own")
            case .spooled(let spool, let report):
                let rows = SourcedRows(target: writer, source: inputs[i], firstID: nextID)
                try spool.replay(into: rows)
                run.wrote(i)
                results[i].record(report, rows: rows)
                nextID = rows.nextID
                bytesDone += Self.fileSize(inputs[i]) ?? 0
                packetsDone += report.packetsRead
                progress?(
                    ConversionProgress(
                        bytesRead: bytesDone, bytesTotal: total, packetsRead: packetsDone, activeFlows: 0))
                if stops(after: report) { return }
            }
        }
    }

    /// Converts every input as its own capture into its own writer (`output(i)` for `inputs[i]`): the `source`
    /// column after `id`, ids from 0 in each. `jobs` inputs are converted at once, each with
    /// `configuration.threads` meter threads. A finished input's writer is finished (renamed into place) and
    /// `completed` is called with its result, on the thread that converted it; an interrupted input's writer is
    /// abandoned, so no partial output looks complete. The first output error stops the run (no further input
    /// is started; those being converted are completed) and is returned.
    public func convertEachFile(
        inputs: [String], jobs: Int,
        output: @escaping @Sendable (Int) throws -> FlowWriter,
        completed: @escaping @Sendable (Int, EachFileResult) -> Void
    ) throws -> (results: [EachFileResult], error: Error?) {
        try validate(inputs: inputs)
        let schema = eachFileSchema
        let run = ParallelInputs(count: inputs.count)
        let work: @Sendable () -> Void = { [self] in
            while let i = run.take() {
                var result = EachFileResult(input: inputs[i])
                var failure: Error? = nil
                var writer: FlowWriter? = nil
                do {
                    let target = try output(i)
                    writer = target
                    try target.begin(schema: schema)
                    let rows = SourcedRows(target: target, source: inputs[i], firstID: 0)
                    let report = try convert(inputs: [inputs[i]], writer: rows)
                    result.record(report, rows: rows)
                    if report.interrupted {
                        target.abandon()
                        result.written = false
                    } else {
                        try target.finish()
                    }
                    if stops(after: report) { run.stop() }
                } catch {
                    writer?.abandon()
                    result.written = false
                    result.outputError = "\(error)"
                    failure = error
                    run.stop()
                }
                completed(i, result)
                run.complete(i, failure.map { .failed($0) } ?? .done(result))
            }
        }
        if jobs <= 1 || inputs.count <= 1 {
            work()
        } else {
            let threads = (0..<min(jobs, inputs.count)).map { j in startThread(named: "job-\(j + 1)", work) }
            for thread in threads { pthread_join(thread, nil) }
        }
        var results = inputs.map { EachFileResult(input: $0) }
        var firstError: Error? = nil
        for i in inputs.indices {
            switch run.outcome(of: i) {
            case .done(let result)?: results[i] = result
            case .failed(let error)?:
                results[i].outputError = "\(error)"
                if firstError == nil { firstError = error }
            default: break
            }
        }
        return (results, firstError)
    }
}

import FlowCapture
import FlowIngest
import FlowStreamer

#if canImport(Glibc)
import Glibc
#endif

/// One child process run to its end and measured: wall time from a monotonic clock, CPU time and peak RSS from
/// wait4 (which include the children it reaped itself), and what it wrote.
public struct MeasuredChild: Sendable {
    /// How it ended, its user and system CPU seconds and its peak RSS.
    public var outcome: ChildProcess.Outcome
    /// Wall time from before it was started to after it was reaped.
    public var wallSeconds: Double
    /// Its standard output.
    public var output: String
    /// Its standard error (the last 64 KiB at most).
    public var errorText: String

    /// Runs `executable` with `arguments` to its end, pinned to `cpus` when given, reading its standard output. On
    /// SIGINT/SIGTERM (`FlowStreamer.interruptRequested`) the child is sent SIGTERM. Throws a `BenchError` when it
    /// cannot be started; an error of waiting for it is thrown as it is.
    public static func run(executable: String, arguments: [String], cpus: CPUSet?) throws -> MeasuredChild {
        let start = monotonicNow()
        let child: ChildProcess
        do {
            let (program, programArguments) = try cpus?.wrap(executable, arguments) ?? (executable, arguments)
            child = try ChildProcess(executable: program, arguments: programArguments, captureOutput: true)
        } catch {
            throw BenchError("bench: cannot start \(executable): \(error)")
        }
        let output = readAll(child.outputDescriptor) {
            if interruptRequested.load(ordering: .relaxed) { child.signal(SIGTERM) }
        }
        let outcome = try child.wait()
        let wall = monotonicNow() - start
        return MeasuredChild(
            outcome: outcome, wallSeconds: wall, output: String(decoding: output, as: UTF8.self),
            errorText: child.errorText)
    }
}

#if os(Linux)

import CLibc
import Dispatch
import FlowFeatures
import FlowMeter
import FlowWriters
import Glibc
import Synchronization
import Testing

@testable import FlowStreamer

/// The pipeline's threads carry names (`top -H`, `ps -L`, perf and debuggers show them): `meter-N` for a meter
/// thread, `output` for the output stage, `job-N` for a job of `--jobs`; the reading thread keeps the process's
/// name.
@Suite struct ThreadNameTests {
    /// The name Linux keeps for `thread`.
    static func name(of thread: pthread_t) -> String? {
        var buffer = [CChar](repeating: 0, count: 16)
        guard flowmeter_get_thread_name(thread, &buffer, buffer.count) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func aThreadIsNamedOnceItHasStarted() {
        let gate = DispatchSemaphore(value: 0)
        let seen = Mutex<String?>(nil)
        let thread = startThread(named: "meter-12") {
            gate.wait()
            seen.withLock { $0 = Self.name(of: pthread_self()) }
        }
        #expect(Self.name(of: thread) == "meter-12")
        gate.signal()
        pthread_join(thread, nil)
        #expect(seen.withLock { $0 } == "meter-12")
    }

    /// Offline with three meters: meter 1 is the reading thread's lane, meters 2 and 3 have threads, and the output
    /// stage one more. (The threads wait for packets until `finish`, so they are all there to be asked.)
    @Test func theMeterThreadsAndTheOutputStageAreNamed() throws {
        var consumer = ThreadedConsumer(
            configuration: MeterConfiguration(),
            plugins: try BuiltinFeatures.plugins(named: ["statistics"], spltLength: 0), writer: NullWriter(),
            threads: 3)
        #expect(consumer.lane != nil)
        #expect(consumer.meterThreads.map(Self.name(of:)) == ["meter-2", "meter-3"])
        #expect(Self.name(of: consumer.outputThread) == "output")
        _ = consumer.finish()
    }

    final class NullWriter: FlowWriter {
        func begin(schema: FlowSchema) throws {}
        func write(_ row: FlowRow) throws {}
        func finish() throws {}
        func abandon() {}
    }
}

#endif

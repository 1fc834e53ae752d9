#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowWriters

/// The inputs of a parallel each-file run: handed out in input order to the job threads, with their outcomes, and
/// a stop that keeps any further input from starting.
final class ParallelInputs: @unchecked Sendable {
    enum Outcome {
        case spooled(RecordSpool, ConversionReport)
        case done(EachFileResult)
        case failed(Error)
    }

    private let lock = ThreadLock()
    private let parker = Parker()
    private var next = 0
    private var stopped = false
    /// With spools: how many inputs past the last one written may be started (each holds an open spool file until
    /// it is written, so a slow output must not let the jobs run through the whole dataset ahead of it).
    private let window: Int
    private var written = 0
    private var outcomes: [Outcome?]
    private var started: [Bool]

    init(count: Int, window: Int = .max) {
        outcomes = Array(repeating: nil, count: count)
        started = Array(repeating: false, count: count)
        self.window = window
    }

    /// The next input to convert, or nil when every input is taken or the run has stopped. Waits while `window`
    /// inputs are started and not yet written.
    func take() -> Int? {
        while true {
            let taken: Int?? = lock.withLock {
                guard !stopped, next < outcomes.count else { return .some(nil) }
                guard next - written < window else { return nil }
                defer { next += 1 }
                started[next] = true
                return next
            }
            if let taken { return taken }
            usleep(2000)  // the output is the bottleneck: a poll costs nothing next to it
        }
    }

    /// Input `i` is written (its spool may go): one more input may start.
    func wrote(_ i: Int) {
        lock.withLock { written = i + 1 }
    }

    /// No input starts after this.
    func stop() {
        lock.withLock { stopped = true }
        parker.unpark()
    }

    func complete(_ i: Int, _ outcome: Outcome) {
        lock.withLock { outcomes[i] = outcome }
        parker.unpark()
    }

    func outcome(of i: Int) -> Outcome? { lock.withLock { outcomes[i] } }

    /// Waits until input `i` is done (only the thread that created the run waits); nil when it will never start.
    func wait(for i: Int) -> Outcome? {
        while true {
            let (outcome, never) = lock.withLock { (outcomes[i], !started[i] && (stopped || next > i)) }
            if let outcome { return outcome }
            if never { return nil }
            parker.park(timeoutMicroseconds: 50_000) {
                lock.withLock { outcomes[i] != nil || (!started[i] && stopped) }
            }
        }
    }
}

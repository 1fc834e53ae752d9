import FlowCapture
import FlowStreamer
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

/// SIGPIPE and SIGXFSZ become write errors with a message; SIGINT and SIGTERM stop the run cleanly.
public func installSignalHandlers() {
    signal(SIGPIPE, SIG_IGN)
    signal(SIGXFSZ, SIG_IGN)  // a file-size limit becomes EFBIG on write: a message, not a silent death
    installInterruptHandlers()
}

/// SIGINT and SIGTERM ask for a clean stop (`interruptRequested`, and pipe inputs woken); a second one while that
/// stop is still going ends the process at once with status 130.
public func installInterruptHandlers() {
    // Inputs read through pipes wait in poll together with ReadInterruption's wake pipe, which the handler writes:
    // an interrupted `convert -` stops at once, whichever thread takes the signal and whenever it comes. No
    // SA_RESTART either, so other blocking calls return EINTR.
    ReadInterruption.prepare()
    var action = sigaction()
    // The first signal asks for a clean stop (flows flushed, output finished). A second one, while that stop is
    // still going (a large flush, an output that does not drain), ends the process at once: the temporary output
    // file is removed, nothing is renamed into place, status 130.
    action.__sigaction_handler.sa_handler = { _ in
        if interruptRequested.exchange(true, ordering: .relaxed) {
            PartialOutput.removeFromSignalHandler()
            let message: StaticString = "flowmeter: interrupted again: stopped at once, the output was not finished\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
            _exit(130)
        }
        ReadInterruption.request()
    }
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGINT, &action, nil)
    sigaction(SIGTERM, &action, nil)
    // A parent may have started us with these signals blocked; we want them.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigaddset(&unblock, SIGTERM)
    sigprocmask(SIG_UNBLOCK, &unblock, nil)
}

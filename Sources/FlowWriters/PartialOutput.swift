#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The temporary file of the output being written (`FileSink`), kept as a C string so that a signal handler can
/// remove it before ending the process at once (a second Ctrl-C): `unlink` is async-signal-safe, Swift strings
/// are not.
public enum PartialOutput {
    nonisolated(unsafe) static let current = Atomic<UnsafeMutablePointer<CChar>?>(nil)
    /// The previous path, freed only when the next one is registered, so that a handler that loaded it just
    /// before `clear()` never reads freed memory.
    nonisolated(unsafe) static let retired = Atomic<UnsafeMutablePointer<CChar>?>(nil)

    static func register(_ path: String) {
        let old = current.exchange(strdup(path), ordering: .acquiringAndReleasing)
        retire(old)
    }

    static func clear() {
        retire(current.exchange(nil, ordering: .acquiringAndReleasing))
    }

    private static func retire(_ pointer: UnsafeMutablePointer<CChar>?) {
        guard let pointer else { return }
        if let older = retired.exchange(pointer, ordering: .acquiringAndReleasing) { free(older) }
    }

    /// Removes the temporary output file, if one is being written. For signal handlers: no allocation, no lock.
    public static func removeFromSignalHandler() {
        if let path = current.load(ordering: .acquiring) { unlink(path) }
    }
}

import Synchronization

/// Set by the CLI's SIGINT/SIGTERM handler; the streamer polls it and stops cleanly (flows flushed).
public let interruptRequested = Atomic<Bool>(false)

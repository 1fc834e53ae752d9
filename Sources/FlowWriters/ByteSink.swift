#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A destination for bytes: a file, standard output or a compressor in front of one of them.
public protocol ByteSink: AnyObject {
    /// A name for messages.
    var path: String { get }
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Flushes and makes the output final (for a file: renames the temporary file to its name).
    func finish() throws
    /// Gives up: a file output removes its temporary file, so no partial file looks complete.
    func abandon()
}

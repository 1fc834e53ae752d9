import FlowWriters

/// A page compression failure (a library error; not expected with valid buffers).
public struct PageCompressionError: Error, CustomStringConvertible {
    /// The codec that failed (`zstd`, `snappy`, `gzip`).
    public var codec: String
    /// The library's account of the failure.
    public var message: String
    /// `CODEC compression failed: MESSAGE`.
    public var description: String { "\(codec) compression failed: \(message)" }
}

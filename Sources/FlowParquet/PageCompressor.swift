import FlowWriters

/// Compresses page bodies with one of Parquet's codecs.
final class PageCompressor {
    let codec: ParquetCompression
    let zstd: ZstdCompressor?
    let gzip: GzipCompressor?

    /// zstd at level 3 (its default) and gzip at level 6 (zlib's default): the trade-offs their users expect.
    init(codec: ParquetCompression) {
        self.codec = codec
        zstd = codec == .zstd ? ZstdCompressor(level: 3) : nil
        gzip = codec == .gzip ? GzipCompressor(level: 6) : nil
    }

    /// Appends the compressed form of `input` to `output`.
    func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        switch codec {
        case .none: output.append(contentsOf: input)
        case .zstd: try zstd!.compress(input, into: &output)
        case .snappy: try Snappy.compress(input, into: &output)
        case .gzip: try gzip!.compress(input, into: &output)
        }
    }
}

import CZstd

/// Zstandard compression of Parquet pages (the only file that calls libzstd). One context, reused for every page.
final class ZstdCompressor {
    let context: OpaquePointer
    let level: Int32

    init(level: Int32) {
        guard let context = ZSTD_createCCtx() else { fatalError("ZSTD_createCCtx failed: out of memory") }
        self.context = context
        self.level = level
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Appends the compressed form of `input` (one zstd frame) to `output`.
    func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(PageCompressionError) {
        let bound = ZSTD_compressBound(input.count)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: bound))
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compressCCtx(context, out.baseAddress! + start, bound, input.baseAddress, input.count, level)
        }
        if ZSTD_isError(written) != 0 {
            output.removeLast(bound)
            throw PageCompressionError(codec: "zstd", message: String(cString: ZSTD_getErrorName(written)))
        }
        output.removeLast(bound - written)
    }
}

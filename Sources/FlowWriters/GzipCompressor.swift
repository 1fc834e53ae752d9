import CZlib

/// One-shot gzip (RFC 1952) of whole buffers, e.g. Parquet's GZIP pages: one deflate stream, reset for each buffer.
public final class GzipCompressor {
    var stream = z_stream()

    /// A compressor at zlib `level` (1 fastest … 9 smallest; 6, zlib's default, unless told).
    public init(level: Int32 = 6) {
        let rc = flowmeter_deflate_init2(&stream, level, 15 + 16, 8)
        precondition(rc == Z_OK, "deflateInit2 returned \(rc)")
    }

    deinit { deflateEnd(&stream) }

    /// Appends one complete gzip member holding `input` to `output`.
    public func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        deflateReset(&stream)
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 32
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: bound))
        let rc = output.withUnsafeMutableBytes { out -> Int32 in
            stream.next_in = UnsafeMutablePointer(
                mutating: (input.baseAddress ?? UnsafeRawPointer(out.baseAddress!)).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = (out.baseAddress! + start).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(bound)
            return deflate(&stream, Z_FINISH)
        }
        guard rc == Z_STREAM_END else {
            output.removeLast(bound)
            throw WriterError.compression(path: "", message: "deflate of a \(input.count)-byte buffer returned \(rc)")
        }
        output.removeLast(Int(stream.avail_out))
    }
}

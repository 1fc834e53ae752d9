import CZlib

/// Streaming gzip in front of another sink (the only file that calls zlib). Level 1 by default: on this
/// class of machine it writes 54–80 MB/s against about 20 MB/s at level 6.
public final class GzipStream: ByteSink {
    let output: ByteSink
    var stream = z_stream()
    var outBuffer: [UInt8]
    var finished = false
    /// The path of the sink the compressed bytes go to.
    public var path: String { output.path }

    /// The version of the zlib linked in (`zlibVersion()`), for provenance records such as the convert manifest.
    public static var libraryVersion: String { String(cString: zlibVersion()) }

    /// A gzip stream (RFC 1952 wrapper) at zlib `level` (1 fastest … 9 smallest) into `output`.
    public init(output: ByteSink, level: Int32 = 1) throws {
        self.output = output
        outBuffer = [UInt8](repeating: 0, count: 1 << 17)
        // windowBits 15 + 16: gzip wrapper.
        let rc = flowmeter_deflate_init2(&stream, level, 15 + 16, 8)
        if rc != Z_OK {
            throw WriterError.compression(path: output.path, message: "deflateInit2 returned \(rc)")
        }
    }

    /// Compresses `bytes`, writing whatever output zlib produces to the sink.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    func pump(flush: Int32) throws {
        let outCount = outBuffer.count
        while true {
            var produced = 0
            var rc: Int32 = Z_OK
            outBuffer.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(outCount)
                rc = deflate(&stream, flush)
                produced = outCount - Int(stream.avail_out)
            }
            if rc == Z_STREAM_ERROR {
                throw WriterError.compression(path: output.path, message: "deflate returned Z_STREAM_ERROR")
            }
            if produced > 0 {
                try outBuffer.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
            if flush == Z_FINISH {
                if rc == Z_STREAM_END { return }
            } else if stream.avail_in == 0 && produced < outCount {
                return
            }
        }
    }

    /// Ends the gzip stream (trailer with CRC and length) and finishes the sink.
    public func finish() throws {
        if !finished {
            finished = true
            stream.next_in = nil
            stream.avail_in = 0
            try pump(flush: Z_FINISH)
            deflateEnd(&stream)
        }
        try output.finish()
    }

    /// Frees the zlib stream and abandons the sink.
    public func abandon() {
        if !finished {
            finished = true
            deflateEnd(&stream)
        }
        output.abandon()
    }

    deinit {
        if !finished { deflateEnd(&stream) }
    }
}

import CSnappy

/// Snappy compression of Parquet pages (the only file that calls libsnappy).
enum Snappy {
    /// Appends the compressed form of `input` (raw snappy, as Parquet's SNAPPY codec stores it) to `output`.
    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(PageCompressionError) {
        let bound = snappy_max_compressed_length(input.count)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: bound))
        var length = bound
        var none: CChar = 0  // a valid pointer for an empty input
        let status = output.withUnsafeMutableBytes { out in
            snappy_compress(
                input.baseAddress?.assumingMemoryBound(to: CChar.self) ?? withUnsafePointer(to: &none) { $0 },
                input.count, (out.baseAddress! + start).assumingMemoryBound(to: CChar.self), &length)
        }
        guard status == SNAPPY_OK else {
            output.removeLast(bound)
            throw PageCompressionError(codec: "snappy", message: "snappy_compress returned \(status.rawValue)")
        }
        output.removeLast(bound - length)
    }
}

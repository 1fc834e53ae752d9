import FlowWriters

/// The encoded pages of one column chunk, kept until the row group is written.
final class ColumnChunkPages {
    /// Page headers and compressed bodies, in order.
    var pages: [UInt8] = []
    var dictionaryDataPages: Int32 = 0
    var plainDataPages: Int32 = 0
    var entries: Int64 = 0
    var uncompressedTotal: Int64 = 0
    var compressedTotal: Int64 = 0

    func reset() {
        pages.removeAll(keepingCapacity: true)
        dictionaryDataPages = 0
        plainDataPages = 0
        entries = 0
        uncompressedTotal = 0
        compressedTotal = 0
    }
}

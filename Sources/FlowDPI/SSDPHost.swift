/// The host name nDPI 5.0 gives an SSDP flow (NFStream's `requested_server_name`, e.g. `239.255.255.250` for
/// `HOST: 239.255.255.250:1900`), which nDPI 4.2 leaves empty: the `Host:` header of the packet that makes the flow
/// SSDP (one starting `M-SEARCH * HTTP/1.1`, `NOTIFY * HTTP/1.1` or `HTTP/1.1 200 OK\r\n`), normalised as nDPI
/// normalises HTTP host names (`HostName`, port cut).
enum SSDPHost {
    private static let prefixes: [[UInt8]] = [
        Array("M-SEARCH * HTTP/1.1".utf8), Array("NOTIFY * HTTP/1.1".utf8), Array("HTTP/1.1 200 OK\r\n".utf8),
    ]

    /// nil when `payload` is not an SSDP message; "" when it has no host line.
    static func host(in payload: UnsafeRawBufferPointer) -> String? {
        guard prefixes.contains(where: { p in payload.count >= p.count && payload.prefix(p.count).elementsEqual(p) })
        else { return nil }
        // Header lines end with CRLF; the first one is the request or status line.
        var lineStart = 0
        while lineStart < payload.count {
            var end = lineStart
            while end + 1 < payload.count && !(payload[end] == 0x0d && payload[end + 1] == 0x0a) { end += 1 }
            if end + 1 >= payload.count { break }  // a last line without CRLF is not a header line
            if lineStart > 0 && end - lineStart > 6 && hasHostPrefix(payload, lineStart) {
                var valueStart = lineStart + 5
                while valueStart < end && payload[valueStart] == 0x20 { valueStart += 1 }
                return HostName.normalised(payload[valueStart..<end], stripPort: true)
            }
            lineStart = end + 2
        }
        return ""
    }

    private static func hasHostPrefix(_ p: UnsafeRawBufferPointer, _ at: Int) -> Bool {
        let name = Array("host:".utf8)
        for i in 0..<5 where p[at + i] | (i < 4 ? 0x20 : 0) != name[i] { return false }
        return true
    }
}

/// Host names as nDPI 5.0 stores them (`ndpi_hostname_sni_set` with its "normalise all" flags), for the names
/// flowmeter reads itself (SSDP's `Host:` header, a QUIC ClientHello's SNI): the last 79 bytes (nDPI's buffer is 80
/// with the NUL; a NUL byte ends the name), lowercase, a tab as a space and any byte outside printable ASCII as `?`,
/// optionally cut at the last `:` (a port, also after an IPv6 address in brackets), trailing spaces removed.
enum HostName {
    static func normalised(_ value: some Collection<UInt8>, stripPort: Bool) -> String {
        var bytes = Array(value)
        if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
        if bytes.count > 79 { bytes.removeFirst(bytes.count - 79) }
        for i in bytes.indices {
            let b = bytes[i]
            if b >= 0x41 && b <= 0x5a {
                bytes[i] = b | 0x20
            } else if b == 0x09 {
                bytes[i] = 0x20
            } else if b < 0x20 || b > 0x7e {
                bytes[i] = 0x3f
            }
        }
        if stripPort, let colon = bytes.lastIndex(of: 0x3a) { bytes.removeSubrange(colon...) }
        while bytes.last == 0x20 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

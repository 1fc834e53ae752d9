// Makes the seed corpora of the two harnesses from the project's own fixtures. Compiled by scripts/fuzz.sh
// together with Tests/EndToEndTests/Fixtures.swift (the golden fixtures: one small capture per decoding and
// metering feature, every link type and tunnel) and Fuzz/Common.
//
//   fuzz-seeds CAPTURE_DIR DECODER_DIR [CAPTURE_FILE...]
//
// CAPTURE_DIR gets every fixture as a pcap file and every CAPTURE_FILE (the bundled sample, the regression
// fixtures, the conformance captures), each cut to at most `maxCaptureSeed` bytes at a record boundary.
// DECODER_DIR gets every distinct frame of those captures (classic pcap and pcapng), framed for DecoderFuzz:
// [link type selector, options 0] + frame.

import FlowPacket
import FlowTestSupport
import Foundation

let maxCaptureSeed = 16 * 1024
let maxFramesPerFile = 40

/// The frames of a classic pcap or pcapng file with their link types (parsed here, not by libpcap, so damaged
/// files still give what precedes the damage).
func frames(of bytes: [UInt8]) -> [(LinkType, [UInt8])] {
    guard bytes.count >= 24 else { return [] }
    func u32(_ i: Int, _ little: Bool) -> UInt32 {
        guard i + 4 <= bytes.count else { return 0 }
        let b = bytes[i..<i + 4].map(UInt32.init)
        return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
    }
    func u16(_ i: Int, _ little: Bool) -> UInt16 {
        guard i + 2 <= bytes.count else { return 0 }
        return little ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
    }
    var out: [(LinkType, [UInt8])] = []
    let magic = u32(0, true)
    if magic == 0x0A0D_0D0A {
        // pcapng: section header, interface descriptions, enhanced and simple packet blocks.
        var little = true
        var interfaces: [LinkType] = []
        var offset = 0
        while offset + 12 <= bytes.count && out.count < maxFramesPerFile {
            var type = u32(offset, little)
            if type == 0x0A0D_0D0A {
                little = u32(offset + 8, true) == 0x1A2B_3C4D
                type = u32(offset, little)
                interfaces = []
            }
            let length = Int(u32(offset + 4, little))
            guard length >= 12, offset + length <= bytes.count else { break }
            switch type {
            case 1:
                interfaces.append(LinkType(rawValue: Int32(u16(offset + 8, little))))
            case 6:
                let interface = Int(u32(offset + 8, little))
                let caplen = Int(u32(offset + 20, little))
                if interface < interfaces.count, offset + 28 + caplen <= bytes.count {
                    out.append((interfaces[interface], Array(bytes[offset + 28..<offset + 28 + caplen])))
                }
            case 3:
                let caplen = min(length - 16, Int(u32(offset + 8, little)))
                if let first = interfaces.first, caplen > 0 {
                    out.append((first, Array(bytes[offset + 12..<offset + 12 + caplen])))
                }
            default:
                break
            }
            offset += length
        }
        return out
    }
    let little: Bool
    switch magic {
    case 0xA1B2_C3D4, 0xA1B2_3C4D: little = true
    case 0xD4C3_B2A1, 0x4D3C_B2A1: little = false
    default: return []
    }
    let link = LinkType(rawValue: Int32(bitPattern: u32(20, little) & 0x0FFF_FFFF))
    var offset = 24
    while offset + 16 <= bytes.count && out.count < maxFramesPerFile {
        let caplen = Int(u32(offset + 8, little))
        guard caplen <= 262_144, offset + 16 + caplen <= bytes.count else { break }
        out.append((link, Array(bytes[offset + 16..<offset + 16 + caplen])))
        offset += 16 + caplen
    }
    return out
}

/// `bytes` cut after the last whole classic-pcap record that fits in `limit` (pcapng and others: cut at `limit`).
func cutCapture(_ bytes: [UInt8], limit: Int) -> [UInt8] {
    guard bytes.count > limit else { return bytes }
    let magic = bytes.count >= 4 ? UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24 : 0
    guard magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D else { return Array(bytes.prefix(limit)) }
    var offset = 24
    while offset + 16 <= bytes.count {
        let caplen = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16 | Int(bytes[offset + 11]) << 24
        if offset + 16 + caplen > limit { break }
        offset += 16 + caplen
    }
    return Array(bytes.prefix(offset))
}

/// A short stable name for `bytes` (FNV-1a, hex).
func digest(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return String(h, radix: 16)
}

@main
struct FuzzSeeds {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3 else {
            FileHandle.standardError.write(Data("usage: fuzz-seeds CAPTURE_DIR DECODER_DIR [CAPTURE_FILE...]\n".utf8))
            exit(64)
        }
        let captureDirectory = URL(fileURLWithPath: arguments[1], isDirectory: true)
        let decoderDirectory = URL(fileURLWithPath: arguments[2], isDirectory: true)
        for d in [captureDirectory, decoderDirectory] {
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        }
        var captures: [(String, [UInt8])] = Fixture.all.map { ("fixture-\($0.name).pcap", $0.pcap().bytes) }
        for path in arguments.dropFirst(3) {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            captures.append((URL(fileURLWithPath: path).lastPathComponent, [UInt8](data)))
        }
        var captureCount = 0
        var decoderSeeds: Set<String> = []
        for (name, bytes) in captures {
            let seed = cutCapture(bytes, limit: maxCaptureSeed)
            try Data(seed).write(to: captureDirectory.appendingPathComponent(name))
            captureCount += 1
            for (link, frame) in frames(of: bytes) {
                guard let selector = fuzzLinkTypes.firstIndex(where: { $0 == link }) else { continue }
                let input = [UInt8(selector), 0] + frame.prefix(4096)
                let key = digest(input)
                if decoderSeeds.insert(key).inserted {
                    try Data(input).write(to: decoderDirectory.appendingPathComponent("frame-\(key)"))
                }
            }
        }
        print("fuzz-seeds: \(captureCount) capture seeds in \(captureDirectory.path), \(decoderSeeds.count) frame seeds in \(decoderDirectory.path)")
    }
}

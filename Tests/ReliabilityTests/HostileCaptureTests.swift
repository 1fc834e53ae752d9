#if os(Linux)

import FlowPacket
import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hostile captures: captures of `../shared/conformance` (a random sample on every run), each also cut at
/// random offsets and with random bytes changed, converted by the `flowmeter` executable. Every conversion ends
/// with a status the README documents (0, 1 for an input it cannot open, 3 for a damaged input), never a
/// signal, within bounded memory; its output is either absent (status 1) or a complete CSV.
///
/// The sample is drawn from a seed printed with every failure; `FLOWMETER_HOSTILE_SEED=N` repeats a run,
/// `FLOWMETER_HOSTILE_SAMPLE=N` changes the number of captures (default 6, each converted 4 ways).
@Suite struct HostileCaptureTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seed: UInt64 = environment["FLOWMETER_HOSTILE_SEED"].flatMap { UInt64($0) }
        ?? UInt64(truncatingIfNeeded: Int(Date().timeIntervalSince1970 * 1000))
    static let sampleSize = environment["FLOWMETER_HOSTILE_SAMPLE"].flatMap { Int($0) } ?? 6
    /// Peak RSS allowed for one conversion of a (< 1 MB) capture. A debug build converting one peaks at about
    /// 20 MB; the bound is there to catch a length field turned into an allocation.
    static let memoryBoundKiB = 256 * 1024

    /// One damaged variant of a capture.
    struct Variant: CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var testDescription: String { name }
    }

    /// The capture intact, cut at a random offset, with random byte flips, and both.
    static func variants(of path: String, random: inout SplitMix64) -> [Variant] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let bytes = [UInt8](data)
        let name = URL(fileURLWithPath: path).lastPathComponent
        func cut(_ b: [UInt8]) -> (Int, [UInt8]) {
            let at = b.isEmpty ? 0 : Int(random.next() % UInt64(b.count))
            return (at, Array(b.prefix(at)))
        }
        func flip(_ b: [UInt8]) -> (String, [UInt8]) {
            var out = b
            guard !out.isEmpty else { return ("nothing", out) }
            let count = 1 + Int(random.next() % 24)
            var changed: [Int] = []
            for i in 0..<count {
                // Half of the flips in the first 256 bytes (file and first record headers), half anywhere.
                let span = i % 2 == 0 ? min(256, out.count) : out.count
                let at = Int(random.next() % UInt64(span))
                out[at] ^= UInt8(truncatingIfNeeded: 1 + random.next() % 255)
                changed.append(at)
            }
            return ("\(count) bytes at \(changed.prefix(6))…", out)
        }
        let (cutAt, truncated) = cut(bytes)
        let (flips, flipped) = flip(bytes)
        let (cutAt2, cutFlipped) = cut(flip(bytes).1)
        return [
            Variant(name: "\(name) intact", bytes: bytes),
            Variant(name: "\(name) cut at \(cutAt)", bytes: truncated),
            Variant(name: "\(name) flipped \(flips)", bytes: flipped),
            Variant(name: "\(name) flipped and cut at \(cutAt2)", bytes: cutFlipped),
        ]
    }

    /// Converts `bytes` with the executable and checks the outcome; returns the status.
    @discardableResult
    static func convertAndCheck(_ bytes: [UInt8], name: String, options: [String], context: String) throws -> Int32? {
        let flowmeter = try Flowmeter.require()
        let directory = try TemporaryDirectory(prefix: "flowmeter-hostile")
        let input = directory.file("input.pcap")
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let gzip = options.contains("--gzip")
        let output = directory.file(gzip ? "flows.csv.gz" : "flows.csv")
        let exit = try Child.runMeasuringMemory(flowmeter, ["convert", input, "-o", output, "-q"] + options)
        let what = "\(name) \(options) [\(context)]: \(exit)"
        #expect(exit.signal == nil && !exit.timedOut, "crashed: \(what)")
        #expect([0, 1, 3].contains(exit.code ?? -1), "undocumented status: \(what)")
        #expect(exit.maxRSSKiB < memoryBoundKiB, "memory: \(what)")
        if exit.code == 0 {
            // Only warnings (a damaged timestamp often goes back in time).
            let lines = exit.stderr.split(separator: "\n")
            #expect(lines.allSatisfy { $0.hasPrefix("flowmeter: warning: ") }, "\(what): \(exit.stderr)")
        } else if exit.code != nil {
            #expect(exit.stderr.hasPrefix("flowmeter: "), "\(what)")
            #expect(exit.stderr.contains(input), "the message names the input: \(what)")
        }
        let produced: Data?
        if gzip && FileManager.default.fileExists(atPath: output) {
            produced = try CSVCheck.gunzip(output)
            #expect(produced != nil, "not valid gzip: \(what)")
        } else {
            produced = FileManager.default.contents(atPath: output)
        }
        switch exit.code {
        case 0, 3:
            let lines = try #require(produced.flatMap(CSVCheck.lines), "no complete CSV: \(what)")
            #expect(lines.first?.hasPrefix("id,expiration_id,") == true, "\(what)")
        case 1:
            #expect(produced == nil, "status 1 left an output file: \(what)")
        default:
            break
        }
        let leftovers = try directory.contents().filter { $0 != "input.pcap" && $0 != "flows.csv" && $0 != "flows.csv.gz" }
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers) \(what)")
        return exit.code
    }

    @Test(.enabled(if: !Flowmeter.conformanceCaptures.isEmpty, "needs ../shared/conformance/pcaps"))
    func damagedConformanceCapturesConvertWithoutACrash() throws {
        var random = SplitMix64(seed: Self.seed)
        var captures = Flowmeter.conformanceCaptures
        // Captures above 1 MB make each debug conversion slow; keep a sample that runs in a few seconds.
        captures = captures.filter {
            var st = stat()
            return stat($0, &st) == 0 && st.st_size < 1_000_000
        }
        captures.shuffle(using: &random)
        let sample = captures.prefix(Self.sampleSize)
        let optionSets = [["--statistics", "--splt", "5"], ["--no-tunnels", "--accounting-mode", "2"],
            ["--features", "statistics,splt,cic", "--max-flows", "64", "--idle-timeout", "0.5", "--threads", "3"],
            ["--tcp-termination", "--threads", "1", "--gzip"]]
        var statuses: [Int32: Int] = [:]
        for (n, path) in sample.enumerated() {
            for variant in Self.variants(of: path, random: &random) {
                let options = optionSets[(n + variant.bytes.count) % optionSets.count]
                let status = try Self.convertAndCheck(
                    variant.bytes, name: variant.name, options: options,
                    context: "FLOWMETER_HOSTILE_SEED=\(Self.seed)")
                statuses[status ?? -1, default: 0] += 1
            }
        }
        #expect(statuses.values.reduce(0, +) == sample.count * 4)
    }

    /// Every capture the fuzzer found a crash with (Tests/EndToEndTests/Fixtures/regressions/capture).
    @Test func fuzzerRegressionCapturesConvertWithoutACrash() throws {
        for path in Flowmeter.regressions("capture") {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            for options in [["--statistics", "--splt", "5"], ["--features", "statistics,splt,cic", "--threads", "2"]] {
                try Self.convertAndCheck([UInt8](data), name: URL(fileURLWithPath: path).lastPathComponent,
                    options: options, context: "regression")
            }
        }
    }

    /// Every frame the decoder fuzzer found a crash with (regressions/decoder, in DecoderFuzz's input format:
    /// link type selector, options, frame), decoded in process.
    @Test func fuzzerRegressionFramesDecodeWithoutACrash() throws {
        // The selector's table: the same list, in the same order, as Fuzz/Common/FuzzLinkTypes.swift.
        let linkTypes: [LinkType] = [
            .ethernet, .linuxSLL, .linuxSLL2, .raw, .rawOpenBSD, .rawLinktype, .ipv4, .ipv6, .null, .loop, .ppp,
            .pppSerial, .cHDLC, .ieee80211Radiotap, LinkType(rawValue: 147),
        ]
        for path in Flowmeter.regressions("decoder") {
            guard let data = FileManager.default.contents(atPath: path), data.count >= 2 else { continue }
            let bytes = [UInt8](data)
            let decoder = PacketDecoder(
                linkType: linkTypes[Int(bytes[0]) % linkTypes.count], decodeTunnels: bytes[1] & 1 == 0)
            var packet = DecodedPacket()
            let outcome = bytes.withUnsafeBytes {
                decoder.decode(
                    UnsafeRawBufferPointer(rebasing: $0[2...]), wireLength: UInt32(bytes.count - 2), into: &packet)
            }
            if outcome == .decoded {
                #expect(packet.ipOffset >= 0 && Int(packet.ipOffset) <= bytes.count - 2, "\(path)")
            }
        }
    }

    /// Random bytes after a valid pcap header, and random file headers: the opening and the record reading
    /// paths of libpcap and the streamer.
    @Test func randomRecordsAfterAValidHeaderConvertWithoutACrash() throws {
        var random = SplitMix64(seed: Self.seed ^ 0x5EED)
        let header = PcapFileWriter(linkType: .ethernet).bytes
        for round in 0..<4 {
            var bytes = header
            var body = random.bytes(256 + Int(random.next() % 4096))
            // Plausible record headers every few hundred bytes so libpcap reads some records.
            var offset = 0
            while offset + 16 < body.count {
                let caplen = Int(random.next() % 200)
                let le = [UInt8(caplen & 0xFF), UInt8(caplen >> 8), 0, 0]
                body.replaceSubrange(offset + 8..<offset + 16, with: le + le)
                offset += 16 + caplen
            }
            bytes += body
            try Self.convertAndCheck(
                bytes, name: "random records \(round)", options: ["--statistics", "--splt", "3"],
                context: "FLOWMETER_HOSTILE_SEED=\(Self.seed)")
        }
    }
}

#endif

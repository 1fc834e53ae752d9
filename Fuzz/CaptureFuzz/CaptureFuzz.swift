// libFuzzer harness for reading whole capture files: the input is a pcap or pcapng file, converted as
// `flowmeter convert` does it: libpcap, the decoder, the meter with the built-in feature plugins, the CSV
// writer, the CSV going to a sink that only checks and counts bytes. Built by scripts/fuzz.sh.
//
// Paths (chosen from a hash of the input, so a crash reproduces from the file alone):
//   - 63 inputs in 64: FlowStreamer's own read loop (`readAll`, reached with @testable) into a consumer like
//     `InlineConsumer` whose meter starts with 8 slots instead of 4096, and no CSV header: a conversion's fixed
//     set-up cost (about 8 ms under ASan, nearly all of it page faults of the 4096-slot plugin states) would
//     otherwise cap the harness at ~100 executions per second;
//   - 1 in 128: the public `FlowStreamer.convert` on one thread; 1 in 128: `convert` with 2 meter threads (at
//     3 in 64, these two paths' set-up took about a fifth of the harness's time).
// The metering options come from the same hash: tunnels on/off, TCP termination, the four accounting modes,
// short idle/active timeouts, a tiny --max-flows, any subset of the built-in feature sets, and (3 inputs in 4)
// application detection with nDPI and our JA4 with 1 to 32 dissections.
//
// The file reaches libpcap through /proc/self/fd/N of an unlinked file in /dev/shm: nothing touches the disk.
//
// Checks beyond "no crash, no ASan report, no leak": the conversion's counters agree (packets read =
// metered + ignored, one CSV line per flow plus the header), and the output is CRLF-terminated lines.

import FlowDPI
import FlowFeatures
import FlowMeter
import FlowPacket
@testable import FlowStreamer
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

@inline(never)
func fuzzFailure(_ message: String) -> Never {
    fputs("CaptureFuzz invariant violated: \(message)\n", stderr)
    abort()
}

/// Counts what it is given; checks that the CSV is made of CRLF-terminated records. A line feed inside a quoted
/// field (a text column such as nDPI's user agent can hold one, as Python's csv module writes it) is part of the
/// field, not a record end.
final class CountingSink: ByteSink {
    var path: String { "fuzz-output" }
    var bytes = 0
    var lines = 0
    var last: UInt8 = 0
    var inQuotes = false
    var finished = false

    func write(_ buffer: UnsafeRawBufferPointer) throws {
        if finished { fuzzFailure("write after finish") }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        // memchr, not a byte loop: the loop's comparisons would be traced by the coverage instrumentation.
        var offset = 0
        while offset < buffer.count {
            let quote = memchr(base + offset, 0x22, buffer.count - offset).map { UnsafeRawPointer($0) - base }
            let lineFeed = memchr(base + offset, 0x0A, buffer.count - offset).map { UnsafeRawPointer($0) - base }
            guard let at = [quote, lineFeed].compactMap({ $0 }).min() else { break }
            offset = at + 1
            if at == quote {
                inQuotes.toggle()  // a doubled quote inside a field toggles twice
                continue
            }
            if inQuotes { continue }
            let before = at > 0 ? base.load(fromByteOffset: at - 1, as: UInt8.self) : last
            if before != 0x0D { fuzzFailure("LF without CR at output byte \(bytes + at)") }
            lines += 1
        }
        last = base.load(fromByteOffset: buffer.count - 1, as: UInt8.self)
        bytes += buffer.count
    }

    func finish() throws {
        if bytes > 0 && last != 0x0A { fuzzFailure("output does not end with CRLF") }
        if inQuotes { fuzzFailure("output ends inside a quoted field") }
        finished = true
    }

    func abandon() { finished = true }
}

/// One in-memory file reused for every input: made in /dev/shm (tmpfs) and unlinked at once, then reached
/// through /proc/self/fd (memfd_create is not visible from Swift's Glibc module).
let memfd: Int32 = {
    var template = Array("/dev/shm/capture-fuzz-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    if fd < 0 { fuzzFailure("mkstemp in /dev/shm failed: errno \(errno)") }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    return fd
}()
let memfdPath = "/proc/self/fd/\(memfd)"

/// FNV-1a of the input: the source of the options.
func fnv1a(_ data: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in data {
        h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
    }
    return h
}

func check(_ report: ConversionReport, lines: Int) {
    if report.packetsMetered + report.packetsIgnored != report.packetsRead {
        fuzzFailure(
            "read \(report.packetsRead) packets but metered \(report.packetsMetered) and ignored \(report.packetsIgnored)")
    }
    if UInt64(lines) != report.flowsWritten + 1 {
        fuzzFailure("\(lines) CSV lines for \(report.flowsWritten) flows")
    }
    if report.peakActiveFlows > Int(report.packetsMetered) {
        fuzzFailure("\(report.peakActiveFlows) active flows from \(report.packetsMetered) packets")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func captureFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    if ftruncate(memfd, 0) != 0 { fuzzFailure("ftruncate failed") }
    if size > 0 {
        var written = 0
        while written < size {
            let n = pwrite(memfd, input.baseAddress! + written, size - written, off_t(written))
            if n <= 0 { fuzzFailure("pwrite failed: errno \(errno)") }
            written += n
        }
    }

    let h = fnv1a(input)
    var configuration = StreamerConfiguration()
    configuration.meter.decodeTunnels = h & 1 == 0
    configuration.meter.tcpTermination = h & 2 != 0
    configuration.meter.accountingMode = UInt8((h >> 2) & 3)
    if h & 0x10 != 0 {
        configuration.meter.idleTimeoutMilliseconds = (h >> 8) & 0xFF  // 0-255 ms: flows expire all the time
        configuration.meter.activeTimeoutMilliseconds = (h >> 16) & 0x3FF
    }
    if h & 0x20 != 0 { configuration.meter.maxFlows = Int((h >> 26) & 0x7F) }  // 0-127: shards of 1 flow
    let names = BuiltinFeatures.names.enumerated().filter { h >> (40 + UInt64($0.offset)) & 1 == 0 }.map(\.element)
    configuration.plugins = (try? BuiltinFeatures.plugins(named: names, spltLength: Int((h >> 50) & 0x1F))) ?? []
    // Application detection (nDPI, JA4) on 3 inputs in 4, with 1 to 32 dissections.
    if (h >> 55) & 3 != 0, let detection = try? ApplicationPlugin(dissections: 1 + Int((h >> 45) & 31)) {
        configuration.plugins.append(detection)
    }
    let sink = CountingSink()
    let writer = CSVWriter(sink: sink)
    let path = (h >> 58) & 63
    if path == 0 {
        configuration.threads = (h >> 33) & 1 == 0 ? 2 : 1
        let streamer = FlowStreamer(configuration: configuration)
        do {
            let report = try streamer.convert(inputs: [memfdPath], writer: writer)
            check(report, lines: sink.lines)
        } catch {
            // Not a capture, unsupported link type …: an error message, which is fine.
            _ = "\(error)"
        }
        return 0
    }

    // No `validate` either (the `convert` paths run it): `readAll` opens the file itself and reports what it
    // cannot read in `report.inputError`.
    let streamer = FlowStreamer(configuration: configuration)
    // The writer checks every row against the schema `begin` gives it (a plugin that writes more or fewer values
    // than it declares is caught here too).
    do {
        try writer.begin(schema: FlowSchema(configuration: configuration.meter, plugins: configuration.plugins))
    } catch {
        fuzzFailure("begin failed on a sink that cannot fail: \(error)")
    }
    var consumer = InlineConsumer(
        configuration: configuration.meter, plugins: configuration.plugins, writer: writer, initialCapacity: 8)
    var report = ConversionReport()
    streamer.readAll(inputs: [memfdPath], into: &consumer, report: &report, progress: nil)
    let statistics = consumer.finish()
    if let error = consumer.exporter.error { fuzzFailure("write failed on a sink that cannot fail: \(error)") }
    do { try writer.finish() } catch { fuzzFailure("finish failed: \(error)") }
    report.packetsMetered = statistics.packets
    report.peakActiveFlows = statistics.peakActiveFlows
    report.flowsWritten = consumer.exporter.nextID
    check(report, lines: sink.lines)
    if let inputError = report.inputError { _ = "\(inputError)" }  // the message is built without trapping
    return 0
}

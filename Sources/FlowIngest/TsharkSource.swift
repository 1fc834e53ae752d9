#if canImport(Glibc)
import Glibc
#endif
import FlowCapture
import FlowPacket

/// Packets read through a `tshark` child process, as pyshark reads them: tshark reads the capture file or the
/// interface, dissects every packet and prints it (PDML or fields); we parse that text back into packets. A
/// small Lua postdissector (written to a temporary file) adds one field holding the frame's bytes in hex, so the
/// bytes the decoder sees are exactly the captured ones and every ingestion path meters the same flows.
///
/// The child is started at `init`, stopped with SIGINT by `stop()` (live: it then flushes what it holds), killed
/// and reaped by `close()` or `deinit`; no zombie is left behind on any path.
public final class TsharkSource {
    /// What tshark reads.
    public enum Input: Sendable {
        case file(String)
        case interface(name: String, snapshotLength: Int, promiscuous: Bool, filter: String?)
    }

    /// How tshark is run.
    public struct Options: Sendable {
        /// `tshark`'s path, or a name looked up on PATH.
        public var executable: String = "tshark"
        /// What tshark prints per packet (PDML by default, as pyshark).
        public var format: TsharkFormat = .pdml
        /// Stop after this many packets (`tshark -c`).
        public var packetLimit: UInt64? = nil
        /// tshark from PATH, PDML, no packet limit.
        public init() {}
    }

    /// The Lua postdissector that adds the frame's bytes as one field (`flowmeter_raw.frame`).
    public static let luaScript = """
        -- flowmeter: adds the captured bytes of each frame as one field, so its bytes can be read back.
        local p = Proto("flowmeter_raw", "flowmeter raw frame")
        local f = ProtoField.bytes("flowmeter_raw.frame", "Frame bytes")
        p.fields = { f }
        function p.dissector(tvb, pinfo, tree)
          tree:add(f, tvb:range(0, tvb:captured_len()))
        end
        register_postdissector(p)

        """

    /// What tshark reads.
    public let input: Input
    /// How tshark runs.
    public let options: Options
    /// The executable actually run.
    public let executablePath: String
    private let process: ChildProcess
    private let scriptPath: String
    private var parser: TsharkOutputParser
    private var buffer: UnsafeMutableRawPointer
    private var capacity = 1 << 20
    private var start = 0
    private var end = 0
    private var endOfOutput = false
    private var failure: String? = nil
    private var closed = false
    private var stopRequested = false
    /// Packets parsed so far.
    public private(set) var packetsRead: UInt64 = 0

    /// Starts tshark. Throws `PcapError.tsharkMissing` when there is no tshark, `.tsharkFailed` when it cannot be
    /// started.
    public init(input: Input, options: Options) throws {
        guard let path = ChildProcess.which(options.executable) else {
            throw PcapError.tsharkMissing(path: options.executable)
        }
        self.input = input
        self.options = options
        executablePath = path
        var template = Array("/tmp/flowmeter-raw-XXXXXX.lua".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard fd >= 0 else {
            throw PcapError.tsharkFailed(
                message:
                    "could not be prepared: cannot write its Lua script in /tmp: \(String(cString: strerror(errno)))",
                stderr: "")
        }
        scriptPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var script = Self.luaScript
        script.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
        _ = Glibc.close(fd)

        var arguments = ["-n", "-X", "lua_script:" + scriptPath]
        switch input {
        case .file(let path):
            arguments += ["-r", path]
        case .interface(let name, let snapshotLength, let promiscuous, let filter):
            // -l: flush after every packet, so that packets reach us as they are captured.
            arguments += ["-i", name, "-s", String(snapshotLength), "-l"]
            if !promiscuous { arguments.append("-p") }
            if let filter { arguments += ["-f", filter] }
        }
        if let limit = options.packetLimit { arguments += ["-c", String(limit)] }
        switch options.format {
        case .pdml:
            arguments += ["-T", "pdml"]
        case .fields:
            arguments += ["-T", "fields", "-E", "header=n", "-E", "separator=/t", "-E", "occurrence=f"]
            for field in TsharkOutputParser.fieldNames { arguments += ["-e", field] }
        }
        do {
            process = try ChildProcess(executable: path, arguments: arguments, captureOutput: true)
        } catch {
            unlink(scriptPath)
            throw error
        }
        parser = TsharkOutputParser(format: options.format)
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        if !closed { _ = try? close(killing: true) }
        parser.deallocate()
        buffer.deallocate()
    }

    /// The next packet (bytes valid until the next call). `timeoutMilliseconds` nil waits as long as it takes;
    /// otherwise `.timeout` when no complete packet arrived in time, or when a signal interrupted the wait.
    /// `.endOfFile` when tshark closed its output;
    /// `.failed` when its output cannot be parsed (tshark's exit status is checked by `close()`).
    public func next(timeoutMilliseconds: Int? = nil) -> (ReadResult, TsharkFrame?) {
        if let failure { return (.failed(failure), nil) }
        while true {
            if end > start {
                let available = UnsafeRawBufferPointer(start: buffer + start, count: end - start)
                switch parser.parse(available) {
                case .frame(let consumed):
                    start += consumed
                    packetsRead &+= 1
                    let frame = parser.frame
                    let packet = CapturedPacket(
                        seconds: frame.seconds, nanoseconds: frame.microseconds &* 1000,
                        capturedLength: frame.capturedLength, wireLength: frame.wireLength, bytes: frame.bytes)
                    return (.packet(packet), frame)
                case .invalid(let message):
                    failure = "wrote output that is not \(options.format.rawValue): \(message)"
                    return (.failed(failure!), nil)
                case .needMore:
                    break
                }
            }
            if endOfOutput {
                if end > start, options.format == .fields || containsPacketStart() {
                    failure = "ended its output in the middle of a packet"
                    return (.failed(failure!), nil)
                }
                return (.endOfFile, nil)
            }
            if let timeoutMilliseconds {
                var fd = pollfd(fd: process.outputDescriptor, events: Int16(POLLIN), revents: 0)
                let rc = poll(&fd, 1, Int32(clamping: timeoutMilliseconds))
                if rc == 0 { return (.timeout, nil) }
                if rc < 0 {
                    if errno == EINTR { return (.timeout, nil) }
                    failure = "output could not be polled: \(String(cString: strerror(errno)))"
                    return (.failed(failure!), nil)
                }
            }
            // Make room: move what is left to the front, grow when one packet fills the buffer.
            if start > 0 {
                if end > start { memmove(buffer, buffer + start, end - start) }
                end -= start
                start = 0
            }
            if end == capacity {
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: buffer, byteCount: end)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = read(process.outputDescriptor, buffer + end, capacity - end)
            if n > 0 {
                end += n
            } else if n == 0 {
                endOfOutput = true
            } else if errno == EINTR {
                // A signal (SIGINT) interrupted the read: the caller looks at its flag.
                return (.timeout, nil)
            } else {
                failure = "output could not be read: \(String(cString: strerror(errno)))"
                return (.failed(failure!), nil)
            }
        }
    }

    private func containsPacketStart() -> Bool {
        let rest = UnsafeRawBufferPointer(start: buffer + start, count: end - start)
        let tag = Array("<packet>".utf8)
        guard rest.count >= tag.count else { return false }
        for k in 0...(rest.count - tag.count) where rest[k] == tag[0] {
            if (0..<tag.count).allSatisfy({ rest[k + $0] == tag[$0] }) { return true }
        }
        return false
    }

    /// Asks tshark to stop (SIGINT): in a live capture it then writes what it still holds and closes its output,
    /// which `next` keeps returning until `.endOfFile`.
    public func stop() {
        stopRequested = true
        process.signal(SIGINT)
    }

    /// Reaps tshark (killing it first when `killing`, or when its output was not read to the end) and removes the
    /// Lua script. Throws `.tsharkFailed` quoting tshark's standard error when it exited with an error that was
    /// not ours to cause; returns its resource usage.
    @discardableResult
    public func close(killing: Bool = false) throws -> ChildProcess.Outcome {
        if closed { return try process.wait() }
        closed = true
        defer { unlink(scriptPath) }
        if killing || !endOfOutput {
            // tshark stops gracefully on SIGTERM, which means finishing its output: close the pipe first so that
            // it cannot block writing to it, and kill it if it has not ended within two seconds.
            process.closeOutput()
            process.signal(SIGTERM)
        }
        let outcome = try process.wait(timeout: 2)
        let stoppedByUs = killing || !endOfOutput || stopRequested
        switch outcome.termination {
        case .exited(0):
            break
        case .signaled(let s) where stoppedByUs && (s == SIGTERM || s == SIGINT || s == SIGPIPE):
            break
        case .exited where stoppedByUs:
            break
        default:
            throw PcapError.tsharkFailed(
                message: "(\(executablePath)) ended with \(outcome.termination)", stderr: errorText)
        }
        if let failure, !stoppedByUs {
            throw PcapError.tsharkFailed(message: failure, stderr: errorText)
        }
        return outcome
    }

    /// What tshark wrote on standard error.
    public var errorText: String { process.errorText }

    /// The link type of Wiretap encapsulation `number` (`frame.encap_type`), for the ones the decoder reads.
    public static func linkType(encapsulation number: Int) -> LinkType? {
        switch number {
        case 1: return .ethernet
        case 7: return .raw
        case 15: return .null
        case 25: return .linuxSLL
        case 210: return .linuxSLL2
        default: return nil
        }
    }
}

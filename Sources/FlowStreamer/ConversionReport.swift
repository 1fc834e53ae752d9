import FlowCapture
import FlowMeter
import FlowPacket

/// What a conversion did: packets read and ignored by reason, flows written, and whether input ended early.
public struct ConversionReport: Sendable {
    /// Packets of one input stamped earlier than the latest packet time already seen (in that input or in one
    /// before it). The meter counts them at that latest time, as NFStream does.
    public struct BackwardTime: Sendable, Equatable {
        /// The input, as it was named.
        public var input: String
        /// How many of its packets were stamped earlier than the latest time already seen.
        public var packets: UInt64
        /// The most any of them was behind that time, in milliseconds.
        public var maxMilliseconds: UInt64

        /// A record of `packets` packets of `input` stamped back in time, at most `maxMilliseconds` behind.
        public init(input: String, packets: UInt64, maxMilliseconds: UInt64) {
            self.input = input
            self.packets = packets
            self.maxMilliseconds = maxMilliseconds
        }
    }

    /// An input that could not be read to its end, and why.
    public struct InputDamage: Sendable {
        /// The input, as it was named.
        public var input: String
        /// What stopped the reading: the file, the packet or byte offset, libpcap's or tshark's message.
        public var error: PcapError

        /// The damage `error` of `input`.
        public init(input: String, error: PcapError) {
            self.input = input
            self.error = error
        }
    }

    /// What was read of one input: its packets (read, and ignored by the decoder by reason) and the capture times
    /// of its first and last packet, in microseconds since the epoch (nil when it had none).
    public struct InputSummary: Sendable {
        /// The input, as it was named.
        public var input: String
        /// Records read from it (decoded or not).
        public var packetsRead: UInt64 = 0
        /// Packets the decoder ignored, by reason (indexed by `DecodeOutcome.rawValue`).
        public var ignored = [UInt64](repeating: 0, count: DecodeOutcome.allCases.count)
        /// Capture time of the first packet read, in microseconds since the epoch.
        public var firstMicroseconds: Int64? = nil
        /// Capture time of the last packet read (in file order), in microseconds since the epoch.
        public var lastMicroseconds: Int64? = nil
        /// Its packets stamped earlier than the latest time already seen (see ``BackwardTime``), and by how much at
        /// most, in milliseconds.
        public var backwardPackets: UInt64 = 0
        /// The most one of them was behind, in milliseconds.
        public var backwardMaxMilliseconds: UInt64 = 0
        /// Why it could not be read to its end, if it could not.
        public var damage: PcapError? = nil

        /// A summary of `input` with nothing read yet.
        public init(input: String) { self.input = input }
    }

    /// Every input reading started on (opened or not), in input order, with what was read of it.
    public var inputs: [InputSummary] = []
    /// Records read from every input (decoded or not).
    public var packetsRead: UInt64 = 0
    /// Packets the meters counted into flows.
    public var packetsMetered: UInt64 = 0
    /// Packets the decoder ignored, by reason (indexed by `DecodeOutcome.rawValue`).
    public var ignored = [UInt64](repeating: 0, count: DecodeOutcome.allCases.count)
    /// Rows written.
    public var flowsWritten: UInt64 = 0
    /// The most flows held at once.
    public var peakActiveFlows: Int = 0
    /// Flows expired early because their shard of a bounded table was full.
    public var flowsEvicted: UInt64 = 0
    /// Every input that could not be read to its end, in input order: the flows metered from it (and from every
    /// other input) were still written. Unless `StreamerConfiguration.stopOnDamage` is set, the inputs after a
    /// damaged one are still read.
    public var damagedInputs: [InputDamage] = []
    /// Inputs with packets stamped earlier than the latest time already seen, in input order.
    public var backwardTime: [BackwardTime] = []
    /// Set when the run was stopped by SIGINT/SIGTERM.
    public var interrupted = false

    /// An empty report.
    public init() {}

    /// The first input that could not be read to its end, if any.
    public var inputError: PcapError? { damagedInputs.first?.error }

    /// Packets the decoder ignored, every reason together.
    public var packetsIgnored: UInt64 { ignored.reduce(0, +) }
}

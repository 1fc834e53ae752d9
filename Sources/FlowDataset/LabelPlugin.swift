import FlowMeter
import FlowPacket

/// Labels every flow from a rule set (`--labels`): columns `label` (the first matching rule's, else the default
/// label) and `label_rule` (that rule's line in the rule file, empty for the default). Matched on the flow's real
/// addresses when it expires, so it can sit before any anonymisation of the output.
public struct LabelPlugin: FeaturePlugin {
    public struct State: Sendable {}

    public let rules: LabelRules
    public let defaultLabel: String
    /// The meter's time unit (flow times arrive in its ticks).
    public let timeUnit: TimeUnit
    let nanosecondsPerTick: Int64

    public init(rules: LabelRules, defaultLabel: String = "BENIGN", timeUnit: TimeUnit = .milliseconds) {
        self.rules = rules
        self.defaultLabel = defaultLabel
        self.timeUnit = timeUnit
        nanosecondsPerTick = Int64(1_000_000_000 / timeUnit.ticksPerSecond)
    }

    public var name: String { "labels" }

    public var columns: [FeatureColumn] {
        [
            .init("label", .text, "Ground-truth label: the first matching rule's, else the default (--default-label)"),
            .init("label_rule", .text, "Line of the rule file that gave the label; empty for the default"),
        ]
    }

    public func makeState() -> State { State() }

    public func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
        let rule = rules.match(
            source: flow.source, sourcePort: flow.sourcePort, destination: flow.destination,
            destinationPort: flow.destinationPort, protocol: flow.ipProtocol,
            first: Int64(bitPattern: flow.firstSeen) &* nanosecondsPerTick,
            last: Int64(bitPattern: flow.lastSeen) &* nanosecondsPerTick)
        if let rule {
            sink.appendText(rule.label)
            sink.appendText(rule.lineText)
        } else {
            sink.appendText(defaultLabel)
            sink.appendText("")
        }
    }
}

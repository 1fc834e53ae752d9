import FlowMeter
import FlowPacket

/// Labels every flow from a rule set (`--labels`): columns `label` (the first matching rule's, else the default
/// label) and `label_rule` (that rule's line in the rule file, empty for the default). Matched on the flow's real
/// addresses when it expires, so it can sit before any anonymisation of the output.
public struct LabelPlugin: FeaturePlugin {
    /// Empty: the label is decided from the flow alone when it expires.
    public struct State: Sendable {}

    /// The rules, tried in file order.
    public let rules: LabelRules
    /// The label of flows no rule matches (`--default-label`, `BENIGN` by default).
    public let defaultLabel: String
    /// The meter's time unit (flow times arrive in its ticks).
    public let timeUnit: TimeUnit
    let nanosecondsPerTick: Int64

    /// Labels flows with `rules`; `timeUnit` is the meter's, to turn flow times into the rules' nanoseconds.
    public init(rules: LabelRules, defaultLabel: String = "BENIGN", timeUnit: TimeUnit = .milliseconds) {
        self.rules = rules
        self.defaultLabel = defaultLabel
        self.timeUnit = timeUnit
        nanosecondsPerTick = Int64(1_000_000_000 / timeUnit.ticksPerSecond)
    }

    /// `labels`.
    public var name: String { "labels" }

    /// `label` and `label_rule`.
    public var columns: [FeatureColumn] {
        [
            .init("label", .text, "Ground-truth label: the first matching rule's, else the default (--default-label)"),
            .init("label_rule", .text, "Line of the rule file that gave the label; empty for the default"),
        ]
    }

    /// The empty state.
    public func makeState() -> State { State() }

    /// Matches the expiring flow against the rules and writes the label and the rule's line (or the default and "").
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

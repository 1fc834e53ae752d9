import ArgumentParser
import FlowConvert
import FlowDataset
import FlowStreamer

/// Ground-truth labels for the flows (`--labels RULES.csv`): the `label` and `label_rule` columns after the core
/// columns, in every output format.
struct LabelOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Label every flow from a rule file (CSV: label,src,dst,src_port,dst_port,protocol,start,end,direction; the first matching rule wins); adds the label and label_rule columns.",
            valueName: "RULES.csv"))
    var labels: String?

    @Option(help: ArgumentHelp("The label of flows no rule matches (default BENIGN).", valueName: "TEXT"))
    var defaultLabel: String?

    @Option(
        help: ArgumentHelp(
            "When a flow is in a rule's time window [start, end): its first packet is (start), its span meets the window (overlap, the default), or all of it is (within).",
            valueName: "start|overlap|within"))
    var labelTime: LabelRules.TimeMatch?

    func validate() throws {
        if labels == nil {
            if defaultLabel != nil { throw ValidationError("--default-label needs --labels RULES.csv") }
            if labelTime != nil { throw ValidationError("--label-time needs --labels RULES.csv") }
        }
        if let defaultLabel, defaultLabel.isEmpty { throw ValidationError("--default-label cannot be empty") }
    }

    /// Adds the label plugin when --labels is given (see `StreamerConfiguration.addLabels`).
    func adapt(_ configuration: inout StreamerConfiguration) {
        guard let labels else { return }
        configuration.addLabels(rules: labels, defaultLabel: defaultLabel, timeMatch: labelTime)
    }
}

extension LabelRules.TimeMatch: ExpressibleByArgument {}

import FlowDataset
import FlowStreamer

extension StreamerConfiguration {
    /// Reads the label rules at `path` (a problem is exit 64 naming the file, line and field, before any input is
    /// read) and puts the label plugin first, so that its columns follow the core columns.
    public mutating func addLabels(rules path: String, defaultLabel: String?, timeMatch: LabelRules.TimeMatch?) {
        let rules: LabelRules
        do {
            rules = try LabelRules.read(path: path, timeMatch: timeMatch ?? .overlap)
        } catch {
            fail("--labels: \(error)", code: 64)
        }
        plugins.insert(
            LabelPlugin(rules: rules, defaultLabel: defaultLabel ?? "BENIGN", timeUnit: meter.timeUnit), at: 0)
    }
}

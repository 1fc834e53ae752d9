import FlowCapture

extension NetworkInterface {
    /// `interfaces` as `flowmeter interfaces` prints them: a header, then one line per interface with its name,
    /// state (up or down, running, loopback), addresses and description.
    public static func table(_ interfaces: [NetworkInterface]) -> String {
        let width = max(4, interfaces.map(\.name.count).max() ?? 4)
        var text = pad("NAME", width) + "  " + pad("STATE", 23) + "ADDRESSES / DESCRIPTION\n"
        for i in interfaces {
            let state = (i.isUp ? "up" : "down") + (i.isRunning ? ",running" : "") + (i.isLoopback ? ",loopback" : "")
            var line = pad(i.name, width) + "  "
            line += pad(state, 23)
            var details = i.addresses.map(\.description)
            if let d = i.description, !d.isEmpty { details.append("(\(d))") }
            line += details.joined(separator: " ")
            text += line + "\n"
        }
        return text
    }

    /// `text` with spaces after it up to `width` characters.
    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

import ArgumentParser
import FlowConvert
import FlowIPFIX
import FlowMeter

/// `flowmeter ipfix-elements`: the information element of every column, for the metering options given.
struct IPFIXElements: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipfix-elements",
        abstract:
            "Print the IPFIX information element of every column for the options given (IPv4 template; IPv6 flows use sourceIPv6Address 27 and destinationIPv6Address 28)."
    )

    @OptionGroup var meter: MeterOptions

    @Option(help: ArgumentHelp("Private enterprise number of flowmeter's own elements.", valueName: "PEN"))
    var ipfixPen: Int = Int(IPFIXElement.documentationPEN)

    func validate() throws {
        guard (1...Int(UInt32.max)).contains(ipfixPen) else {
            throw ValidationError("--ipfix-pen must be from 1 to 4294967295 (got \(ipfixPen))")
        }
    }

    func run() throws {
        let plugins = try meter.plugins() + [IPFIXCountersPlugin()]
        let schema = FlowSchema(configuration: meter.settings.meterConfiguration, plugins: plugins)
        let map = IPFIXElementMap(enterprise: UInt32(ipfixPen), knownColumns: OutputSettings.builtinColumnNames)
        let elements = map.elements(for: schema, v6: false)
        var text = "| column | element | id | enterprise | type |\n|---|---|---|---|---|\n"
        for (column, element) in zip(schema.columns, elements) {
            let enterprise = element.enterprise.map(String.init) ?? "IANA"
            text +=
                "| \(column.name) | \(element.name == column.name ? "(flowmeter)" : element.name) | \(element.id) | \(enterprise) | \(element.type.name) |\n"
        }
        print(text, terminator: "")
    }
}

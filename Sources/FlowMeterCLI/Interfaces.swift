import ArgumentParser
import FlowCapture
import FlowConvert

struct Interfaces: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interfaces",  // explicit: a derived name costs a runtime type lookup
        abstract: "List the interfaces flowmeter can capture on: name, state, addresses and description.")

    func run() throws {
        let interfaces: [NetworkInterface]
        do {
            interfaces = try NetworkInterface.all()
        } catch {
            fail("\(error)", code: 1)
        }
        print(NetworkInterface.table(interfaces), terminator: "")
    }
}

import ArgumentParser
import FlowConvert

struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",  // explicit: a derived name costs a runtime type lookup
        abstract: "List the feature sets --features can add, with every column they write.",
        discussion: "Each column shows its type and, after it, its type in Parquet output.")

    func run() throws {
        print(FeatureListing.text, terminator: "")
    }
}

import ArgumentParser
import FlowConvert
import FlowDataset

/// `flowmeter keygen KEYFILE`: a new anonymisation key.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",  // explicit: a derived name costs a runtime type lookup
        abstract: "Make a key for --anonymize: 32 random bytes in a new file of mode 0600.",
        discussion: """
            The file must not exist (a key is never overwritten: outputs anonymised with it could no longer be \
            linked to new ones). Keep it secret; whoever has it can test guesses of the original addresses.
            """)

    @Argument(help: ArgumentHelp("The key file to create.", valueName: "KEYFILE"))
    var keyFile: String

    func run() throws {
        do {
            try Anonymizer.makeKey(path: keyFile)
        } catch {
            fail("keygen: \(error)", code: 1)
        }
    }
}

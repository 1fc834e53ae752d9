import ArgumentParser

/// `-q/--quiet`, with one meaning for `convert` and `live`: no progress or statistics lines on stderr. Errors,
/// warnings and notes are still printed.
struct QuietOption: ParsableArguments {
    @Flag(
        name: [.customShort("q"), .long],
        help: ArgumentHelp(
            "No progress or statistics lines on stderr (convert: the progress line and summary; live: the "
                + "statistics lines). Errors and warnings are still printed."))
    var quiet = false
}

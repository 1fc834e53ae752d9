#if canImport(Glibc)
import Glibc
#endif

/// Writes `flowmeter: message` and a newline on stderr.
public func printError(_ message: String) {
    var text = "flowmeter: " + message + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Writes `flowmeter: message` on stderr and ends the process with status `code`.
public func fail(_ message: String, code: Int32) -> Never {
    printError(message)
    exit(code)
}

/// Writes `line` and a newline on stderr.
public func printLine(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// The non-empty items of a comma-separated option value, trimmed.
public func commaList(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
}

extension String {
    /// The text without its leading and trailing spaces.
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

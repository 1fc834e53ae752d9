import FlowStreamer

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress display on stderr (only when stderr is a terminal).
public final class ProgressLine {
    let enabled: Bool
    var lastUpdate: Double = 0
    var start: Double
    var shown = false

    /// A display shown only when `enabled` (stderr is a terminal and -q was not given).
    public init(enabled: Bool) {
        self.enabled = enabled
        start = Self.now()
        lastUpdate = start
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Redraws the line with `p`, at most four times a second.
    public func update(_ p: ConversionProgress) {
        guard enabled else { return }
        let t = Self.now()
        guard t - lastUpdate >= 0.25 else { return }
        lastUpdate = t
        let elapsed = max(t - start, 1e-6)
        var line = "\r"
        if let total = p.bytesTotal, total > 0 {
            let share = min(100, Int(Double(p.bytesRead) * 100 / Double(total)))
            line += "\(share)% "
        }
        line +=
            "\(p.packetsRead) packets, \(Int(Double(p.packetsRead) / elapsed)) pkt/s, \(p.activeFlows) active flows   "
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        shown = true
    }

    /// Blanks the line if it was drawn.
    public func clear() {
        guard shown else { return }
        var blank = "\r" + String(repeating: " ", count: 79) + "\r"
        blank.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        shown = false
    }
}

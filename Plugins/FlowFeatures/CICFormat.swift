import FlowMeter
import FlowPacket

/// Text columns of the CICFlowMeter set: `Flow ID` and `Timestamp`.
public enum CICFormat {
    /// CICFlowMeter's flow identifier `IP-IP-port-port-protocol`. The two endpoints are ordered as CICFlowMeter
    /// orders them (so the identifiers match those of the CIC-IDS2017 CSVs): the address bytes are compared one
    /// by one as Java's *signed* bytes, and the endpoint with the smaller first differing byte comes first
    /// (`192.168.10.5` before `104.16.207.165`, because 192 is -64 as a signed byte); equal addresses keep the
    /// flow's own order.
    public static func flowID(
        source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16, protocol proto: UInt8
    ) -> String {
        if sourceComesFirst(source, destination) {
            return "\(source)-\(destination)-\(sourcePort)-\(destinationPort)-\(proto)"
        }
        return "\(destination)-\(source)-\(destinationPort)-\(sourcePort)-\(proto)"
    }

    /// Whether `a` is written before `b` in a flow ID (Java signed-byte comparison, first differing byte).
    public static func sourceComesFirst(_ a: IPAddress, _ b: IPAddress) -> Bool {
        let byteCount = a.version == 4 ? 4 : 16
        for i in 0..<byteCount {
            let x = byte(a, i)
            let y = byte(b, i)
            if x != y { return x < y }
        }
        return true
    }

    /// Byte `i` (network order) of the address, as a Java signed byte.
    static func byte(_ a: IPAddress, _ i: Int) -> Int8 {
        if a.version == 4 {
            return Int8(bitPattern: UInt8(truncatingIfNeeded: a.low >> UInt64(8 * (3 - i))))
        }
        let word = i < 8 ? a.high : a.low
        return Int8(bitPattern: UInt8(truncatingIfNeeded: word >> UInt64(8 * (7 - (i & 7)))))
    }

    /// A packet time (ms since the epoch) as `YYYY-MM-DD hh:mm:ss.mmm` in UTC, 24-hour clock.
    public static func timestamp(milliseconds: UInt64) -> String {
        let ms = Int64(bitPattern: milliseconds)
        let (days, msOfDay) = floorDivide(ms, 86_400_000)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let seconds = msOfDay / 1000
        var text = ""
        text.reserveCapacity(23)
        text += pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + " "
        text += pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        text += "." + pad(msOfDay % 1000, 3)
        return text
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 {
            q -= 1
            r += b
        }
        return (q, r)
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The proleptic Gregorian date of a day number (days since 1970-01-01), H. Hinnant's `civil_from_days`.
    static func civilDate(daysSinceEpoch z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

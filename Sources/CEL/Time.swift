import Foundation

/// Calendar fields of a timestamp in some time zone (proleptic Gregorian).
struct CivilTime {
    var year: Int64
    var month: Int64  // 1...12
    var day: Int64  // 1...31
    var hour: Int64
    var minute: Int64
    var second: Int64
    var dayOfYear: Int64  // 0-based
    var dayOfWeek: Int64  // 0 = Sunday

    init(localSeconds s: Int64) {
        let days = floorDiv(s, 86_400)
        let rem = s - days * 86_400
        hour = rem / 3600
        minute = rem % 3600 / 60
        second = rem % 60
        (year, month, day) = civilFromDays(days)
        dayOfYear = days - daysFromCivil(year, 1, 1)
        dayOfWeek = (days % 7 + 11) % 7  // 1970-01-01 was a Thursday
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's algorithm.
func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400
    return (m <= 2 ? y + 1 : y, m, d)
}

func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// RFC 3339: `2009-02-13T23:31:30.123Z`, `...+05:30`.
func parseTimestamp(_ s: String) -> CELTimestamp? {
    let b = Array(s.utf8)
    var i = 0
    func digits(_ n: Int) -> Int64? {
        guard i + n <= b.count else { return nil }
        var v: Int64 = 0
        for k in 0..<n {
            let c = b[i + k]
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int64(c - 48)
        }
        i += n
        return v
    }
    func expect(_ c: UInt8) -> Bool {
        guard i < b.count, b[i] == c else { return false }
        i += 1
        return true
    }
    guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else { return nil }
    guard i < b.count, b[i] == 84 || b[i] == 116 else { return nil }
    i += 1
    guard let hour = digits(2), expect(58), let minute = digits(2), expect(58), let second = digits(2) else { return nil }
    guard (1...12).contains(month), day >= 1, day <= 31, hour < 24, minute < 60, second < 61 else { return nil }
    var nanos: Int64 = 0
    if i < b.count && b[i] == 46 {
        i += 1
        var n = 0
        while i < b.count, b[i] >= 48 && b[i] <= 57 {
            if n < 9 { nanos = nanos * 10 + Int64(b[i] - 48) }
            n += 1
            i += 1
        }
        guard n > 0 else { return nil }
        for _ in n..<9 where n < 9 { nanos *= 10 }
    }
    var offset: Int64 = 0
    guard i < b.count else { return nil }
    if b[i] == 90 || b[i] == 122 {
        i += 1
    } else if b[i] == 43 || b[i] == 45 {
        let neg = b[i] == 45
        i += 1
        guard let oh = digits(2), expect(58), let om = digits(2) else { return nil }
        offset = (oh * 3600 + om * 60) * (neg ? -1 : 1)
    } else {
        return nil
    }
    guard i == b.count else { return nil }
    let days = daysFromCivil(year, month, day)
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset
    return CELTimestamp(seconds: secs, nanos: Int32(nanos))
}

func formatTimestamp(_ t: CELTimestamp) -> String {
    let c = CivilTime(localSeconds: t.seconds)
    func pad(_ v: Int64, _ n: Int) -> String {
        let s = String(v)
        return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
    }
    var out = "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
    if t.nanos != 0 {
        var frac = pad(Int64(t.nanos), 9)
        while frac.hasSuffix("0") { frac.removeLast() }
        out += "." + frac
    }
    return out + "Z"
}

/// Go duration syntax: `1h30m`, `1.5s`, `-300ms`, `2us`, `10ns`.
func parseDuration(_ s: String) -> Result<Int64, CELError> {
    let bad = CELError("invalid duration '\(s)'")
    let range = CELError("duration out of range")
    var b = Array(s.unicodeScalars)
    var neg = false
    if let f = b.first, f == "-" || f == "+" {
        neg = f == "-"
        b.removeFirst()
    }
    if b == ["0"] { return .success(0) }
    guard !b.isEmpty else { return .failure(bad) }
    var i = 0
    var total: Int64 = 0
    while i < b.count {
        var whole: Int64 = 0
        var frac: Int64 = 0
        var fracScale: Int64 = 1
        var any = false
        func digit(_ k: Int) -> Int64? { b[k].value >= 48 && b[k].value <= 57 ? Int64(b[k].value - 48) : nil }
        while i < b.count, let d = digit(i) {
            let (m, o1) = whole.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return .failure(range) }
            whole = a
            any = true
            i += 1
        }
        if i < b.count && b[i] == "." {
            i += 1
            while i < b.count, let d = digit(i) {
                if fracScale < 1_000_000_000_000_000 {
                    frac = frac * 10 + d
                    fracScale *= 10
                }
                any = true
                i += 1
            }
        }
        guard any else { return .failure(bad) }
        var unit = ""
        while i < b.count, digit(i) == nil, b[i] != "." {
            unit.unicodeScalars.append(b[i])
            i += 1
        }
        let scale: Int64
        switch unit {
        case "ns": scale = 1
        case "us", "µs", "μs": scale = 1000
        case "ms": scale = 1_000_000
        case "s": scale = 1_000_000_000
        case "m": scale = 60_000_000_000
        case "h": scale = 3_600_000_000_000
        default: return .failure(bad)
        }
        let (w, o1) = whole.multipliedReportingOverflow(by: scale)
        if o1 { return .failure(range) }
        let f = Int64((Double(frac) / Double(fracScale)) * Double(scale))
        let (sum, o2) = total.addingReportingOverflow(w)
        let (sum2, o3) = sum.addingReportingOverflow(f)
        if o2 || o3 { return .failure(range) }
        total = sum2
    }
    return .success(neg ? -total : total)
}

func formatDuration(_ d: Int64) -> String {
    let neg = d < 0
    let mag = d.magnitude
    let secs = mag / 1_000_000_000
    let nanos = mag % 1_000_000_000
    var out = (neg ? "-" : "") + String(secs)
    if nanos != 0 {
        var frac = String(nanos)
        frac = String(repeating: "0", count: 9 - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        out += "." + frac
    }
    return out + "s"
}

func addToTimestamp(_ t: CELTimestamp, _ d: Int64) -> CELValue {
    var secs = t.seconds + d / 1_000_000_000
    var nanos = Int64(t.nanos) + d % 1_000_000_000
    if nanos < 0 {
        nanos += 1_000_000_000
        secs -= 1
    } else if nanos >= 1_000_000_000 {
        nanos -= 1_000_000_000
        secs += 1
    }
    let r = CELTimestamp(seconds: secs, nanos: Int32(nanos))
    return r.inRange ? .timestamp(r) : rangeError("timestamp")
}

/// Offset from UTC in seconds for an IANA zone name or a `[+-]HH:MM` offset.
func zoneOffset(_ zone: String, at t: CELTimestamp) -> Int64? {
    let u = Array(zone.utf8)
    if let f = u.first, f == 43 || f == 45 || (f >= 48 && f <= 57) {
        let neg = f == 45
        let body = (f == 43 || f == 45) ? Array(u.dropFirst()) : u
        let parts = String(decoding: body, as: UTF8.self).split(separator: ":")
        guard parts.count == 2, let h = Int64(parts[0]), let m = Int64(parts[1]), h < 24, m < 60 else { return nil }
        return (h * 3600 + m * 60) * (neg ? -1 : 1)
    }
    if zone == "UTC" || zone == "Z" { return 0 }
    guard let tz = TimeZone(identifier: zone) else { return nil }
    return Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t.seconds))))
}

func timeAccessor(
    _ name: String, duration: (@Sendable (Int64) -> Int64)? = nil, _ f: @escaping @Sendable (CivilTime, CELTimestamp) -> Int64
) -> BuiltinFn {
    return { args in
        switch args.first {
        case .timestamp(let t):
            var offset: Int64 = 0
            if args.count == 2 {
                guard case .string(let z) = args[1] else { return CELError.noOverload(name, args) }
                guard let o = zoneOffset(z, at: t) else { return .error(CELError("unknown time zone '\(z)'")) }
                offset = o
            } else if args.count != 1 {
                return CELError.noOverload(name, args)
            }
            return .int(f(CivilTime(localSeconds: t.seconds + offset), t))
        case .duration(let d):
            guard let duration, args.count == 1 else { return CELError.noOverload(name, args) }
            return .int(duration(d))
        default:
            return CELError.noOverload(name, args)
        }
    }
}

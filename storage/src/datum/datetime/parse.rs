//! Text input, following PostgreSQL 15's `ParseDateTime` (split into typed
//! fields), `DecodeDateTime` / `DecodeTimeOnly` (assign fields to year,
//! month, ... with DateStyle `MDY` rules) and `DecodeInterval` /
//! `DecodeISO8601Interval`.

use jiff::tz::TimeZone;

use super::{
    Date, Interval, POSTGRES_EPOCH_JDATE, Time, Timestamp, TimestampTz, Tm, UNIX_EPOCH_JDATE,
    USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC, date2j, days_in_month,
    interval_out_of_range, is_valid_date, is_valid_julian, local_to_utc, now_micros, timestamp2tm,
    timestamptz_to_timestamp, tm2timestamp,
};
use crate::datum::DatumError;

/// PostgreSQL's `DTERR_*` codes.
#[derive(Debug)]
enum DtErr {
    BadFormat,
    FieldOverflow,
    IntervalOverflow,
    TzDispOverflow,
    BadTimezone(String),
}

fn report(e: DtErr, type_name: &str, input: &str) -> DatumError {
    match e {
        DtErr::BadFormat => DatumError::InvalidDatetimeFormat(format!(
            "invalid input syntax for type {type_name}: \"{input}\""
        )),
        DtErr::FieldOverflow => DatumError::DatetimeFieldOverflow(format!(
            "date/time field value out of range: \"{input}\""
        )),
        DtErr::IntervalOverflow => DatumError::Other {
            code: "22015",
            message: format!("interval field value out of range: \"{input}\""),
        },
        DtErr::TzDispOverflow => DatumError::Other {
            code: "22009",
            message: format!("time zone displacement out of range: \"{input}\""),
        },
        DtErr::BadTimezone(name) => {
            DatumError::InvalidParameterValue(format!("time zone \"{name}\" not recognized"))
        }
    }
}

// ---------------------------------------------------------------------------
// ParseDateTime
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ft {
    Number,
    String,
    Date,
    Time,
    Tz,
    Special,
}

/// Splits the input into typed, lower-cased fields, as `ParseDateTime`.
fn tokenize(s: &str) -> Result<Vec<(Ft, String)>, DtErr> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let lower = |c: u8| (c as char).to_ascii_lowercase();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let mut f = String::new();
        let ty;
        if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                f.push(b[i] as char);
                i += 1;
            }
            if i < b.len() && b[i] == b':' {
                ty = Ft::Time;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b':' || b[i] == b'.') {
                    f.push(b[i] as char);
                    i += 1;
                }
            } else if i < b.len() && (b[i] == b'-' || b[i] == b'/' || b[i] == b'.') {
                let delim = b[i];
                f.push(delim as char);
                i += 1;
                if i < b.len() && b[i].is_ascii_digit() {
                    let mut t = if delim == b'.' { Ft::Number } else { Ft::Date };
                    while i < b.len() && b[i].is_ascii_digit() {
                        f.push(b[i] as char);
                        i += 1;
                    }
                    if i < b.len() && b[i] == delim {
                        t = Ft::Date;
                        while i < b.len() && (b[i].is_ascii_digit() || b[i] == delim) {
                            f.push(b[i] as char);
                            i += 1;
                        }
                    }
                    ty = t;
                } else {
                    ty = Ft::Date;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == delim) {
                        f.push(lower(b[i]));
                        i += 1;
                    }
                }
            } else {
                ty = Ft::Number;
            }
        } else if c == b'.' {
            f.push('.');
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                f.push(b[i] as char);
                i += 1;
            }
            ty = Ft::Number;
        } else if c.is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                f.push(lower(b[i]));
                i += 1;
            }
            let next = b.get(i).copied();
            let is_date = match next {
                Some(b'-') | Some(b'/') | Some(b'.') => true,
                Some(n) if n == b'+' || n.is_ascii_digit() => keyword(&f).is_none(),
                _ => false,
            };
            if is_date {
                while i < b.len() && (b"+-/_.:".contains(&b[i]) || b[i].is_ascii_alphanumeric()) {
                    f.push(lower(b[i]));
                    i += 1;
                }
                ty = Ft::Date;
            } else {
                ty = Ft::String;
            }
        } else if c == b'+' || c == b'-' {
            f.push(c as char);
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && b[i].is_ascii_digit() {
                ty = Ft::Tz;
                while i < b.len()
                    && (b[i].is_ascii_digit() || b[i] == b':' || b[i] == b'.' || b[i] == b'-')
                {
                    f.push(b[i] as char);
                    i += 1;
                }
            } else if i < b.len() && b[i].is_ascii_alphabetic() {
                ty = Ft::Special;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    f.push(lower(b[i]));
                    i += 1;
                }
            } else {
                return Err(DtErr::BadFormat);
            }
        } else if c.is_ascii_punctuation() {
            i += 1;
            continue;
        } else {
            return Err(DtErr::BadFormat);
        }
        out.push((ty, f));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Keywords (datetktbl)
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kw {
    Month(i32),
    Dow,
    Am,
    Pm,
    Ad,
    Bc,
    IsoTime,
    Ignore,
    Epoch,
    Now,
    Today,
    Tomorrow,
    Yesterday,
    Infinity,
    NegInfinity,
    Allballs,
}

fn keyword(s: &str) -> Option<Kw> {
    const MONTHS: [(&str, &str); 12] = [
        ("jan", "january"),
        ("feb", "february"),
        ("mar", "march"),
        ("apr", "april"),
        ("may", "may"),
        ("jun", "june"),
        ("jul", "july"),
        ("aug", "august"),
        ("sep", "september"),
        ("oct", "october"),
        ("nov", "november"),
        ("dec", "december"),
    ];
    for (n, (a, full)) in MONTHS.iter().enumerate() {
        if s == *a || s == *full {
            return Some(Kw::Month(n as i32 + 1));
        }
    }
    Some(match s {
        "sept" => Kw::Month(9),
        "sun" | "sunday" | "mon" | "monday" | "tue" | "tues" | "tuesday" | "wed" | "wednes"
        | "wednesday" | "thu" | "thur" | "thurs" | "thursday" | "fri" | "friday" | "sat"
        | "saturday" => Kw::Dow,
        "am" | "a.m." => Kw::Am,
        "pm" | "p.m." => Kw::Pm,
        "ad" => Kw::Ad,
        "bc" => Kw::Bc,
        "t" => Kw::IsoTime,
        "at" | "on" => Kw::Ignore,
        "epoch" => Kw::Epoch,
        "now" => Kw::Now,
        "today" => Kw::Today,
        "tomorrow" => Kw::Tomorrow,
        "yesterday" => Kw::Yesterday,
        "infinity" => Kw::Infinity,
        "-infinity" => Kw::NegInfinity,
        "allballs" => Kw::Allballs,
        _ => return None,
    })
}

/// A few common time-zone abbreviations (east seconds). PostgreSQL's
/// `timezone_abbreviations` "Default" set is far larger.
pub(super) fn tz_abbrev(s: &str) -> Option<i32> {
    Some(
        3600 * match s {
            "z" | "zulu" | "utc" | "ut" | "gmt" | "uct" => 0,
            "est" => -5,
            "edt" => -4,
            "cst" => -6,
            "cdt" => -5,
            "mst" => -7,
            "mdt" => -6,
            "pst" => -8,
            "pdt" => -7,
            "akst" => -9,
            "akdt" => -8,
            "hst" => -10,
            "bst" => 1,
            "cet" | "met" => 1,
            "cest" | "mest" => 2,
            "eet" => 2,
            "eest" => 3,
            "wet" => 0,
            "west" => 1,
            "msk" => 3,
            "jst" | "kst" => 9,
            "aest" => 10,
            "aedt" => 11,
            _ => return None,
        },
    )
}

// ---------------------------------------------------------------------------
// Field masks
// ---------------------------------------------------------------------------

const M_YEAR: u32 = 1 << 0;
const M_MONTH: u32 = 1 << 1;
const M_DAY: u32 = 1 << 2;
const M_HOUR: u32 = 1 << 3;
const M_MINUTE: u32 = 1 << 4;
const M_SECOND: u32 = 1 << 5;
const M_TZ: u32 = 1 << 6;
const M_AMPM: u32 = 1 << 7;
const M_ADBC: u32 = 1 << 8;
const M_DOW: u32 = 1 << 9;
const M_MILLISECOND: u32 = 1 << 10;
const M_MICROSECOND: u32 = 1 << 11;
const M_WEEK: u32 = 1 << 12;
const M_DECADE: u32 = 1 << 13;
const M_CENTURY: u32 = 1 << 14;
const M_MILLENNIUM: u32 = 1 << 15;
const DATE_M: u32 = M_YEAR | M_MONTH | M_DAY;
const TIME_M: u32 = M_HOUR | M_MINUTE | M_SECOND;
/// PostgreSQL's `DTK_TIME_M` includes the millisecond and microsecond bits,
/// so `'10:00:00 5 ms'` is rejected.
const INTERVAL_TIME_M: u32 = TIME_M | M_MILLISECOND | M_MICROSECOND;

/// The broken-down value being assembled.
#[derive(Default)]
struct Fields {
    year: i64,
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    usec: i64,
    is2digits: bool,
    /// Day of year, when given instead of month and day.
    doy: Option<i64>,
}

fn int_prefix(s: &str) -> Result<(i64, &str), DtErr> {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    if end == 0 {
        return Err(DtErr::BadFormat);
    }
    let v = s[..end].parse::<i64>().map_err(|_| DtErr::FieldOverflow)?;
    if v > i32::MAX as i64 {
        return Err(DtErr::FieldOverflow);
    }
    Ok((v, &s[end..]))
}

/// `ParseFractionalSecond`: ".123456789" → rounded microseconds.
fn parse_fraction_usec(s: &str) -> Result<i64, DtErr> {
    let f = parse_fraction(s)?;
    Ok((f * 1_000_000.0).round_ties_even() as i64)
}

/// `ParseFraction`: ".5" → 0.5.
fn parse_fraction(s: &str) -> Result<f64, DtErr> {
    if !s.starts_with('.') || !s[1..].bytes().all(|c| c.is_ascii_digit()) {
        return Err(DtErr::BadFormat);
    }
    if s.len() == 1 {
        return Ok(0.0);
    }
    format!("0{s}").parse::<f64>().map_err(|_| DtErr::BadFormat)
}

/// `DecodeTime`: `hh:mm[:ss[.fff]]` or `mm:ss.fff` → (h, m, s, µs).
fn decode_time(s: &str) -> Result<(i64, i64, i64, i64), DtErr> {
    let (h, rest) = int_prefix(s)?;
    let rest = rest.strip_prefix(':').ok_or(DtErr::BadFormat)?;
    let (m, rest) = int_prefix(rest)?;
    let (h, m, sec, usec) = if rest.is_empty() {
        (h, m, 0, 0)
    } else if rest.starts_with('.') {
        (0, h, m, parse_fraction_usec(rest)?)
    } else if let Some(r) = rest.strip_prefix(':') {
        let (sec, r) = int_prefix(r)?;
        let usec = if r.is_empty() {
            0
        } else {
            parse_fraction_usec(r)?
        };
        (h, m, sec, usec)
    } else {
        return Err(DtErr::BadFormat);
    };
    if m > 59 || sec > 60 || usec > USECS_PER_SEC {
        return Err(DtErr::FieldOverflow);
    }
    Ok((h, m, sec, usec))
}

fn time_overflows(f: &Fields) -> bool {
    if f.hour < 0 || f.hour > 24 || f.min < 0 || f.min > 59 || f.sec < 0 || f.sec > 60 {
        return true;
    }
    if f.usec < 0 || f.usec > USECS_PER_SEC {
        return true;
    }
    ((f.hour * 60 + f.min) * 60 + f.sec) * USECS_PER_SEC + f.usec > USECS_PER_DAY
}

/// `DecodeTimezone`: `+HH`, `+HHMM`, `+HH:MM[:SS]` → east seconds.
fn decode_timezone(s: &str) -> Result<i32, DtErr> {
    let neg = s.starts_with('-');
    let (hr, rest) = int_prefix(&s[1..])?;
    let (mut hr, mut min, mut sec) = (hr, 0, 0);
    let mut rest = rest;
    if let Some(r) = rest.strip_prefix(':') {
        let (m, r) = int_prefix(r)?;
        min = m;
        rest = r;
        if let Some(r2) = rest.strip_prefix(':') {
            let (sx, r3) = int_prefix(r2)?;
            sec = sx;
            rest = r3;
        }
    } else if rest.is_empty() && s.len() > 3 {
        min = hr % 100;
        hr /= 100;
    }
    if !(0..=15).contains(&hr) || !(0..60).contains(&min) || !(0..60).contains(&sec) {
        return Err(DtErr::TzDispOverflow);
    }
    if !rest.is_empty() {
        return Err(DtErr::BadFormat);
    }
    let tz = ((hr * 60 + min) * 60 + sec) as i32;
    Ok(if neg { -tz } else { tz })
}

/// `DecodeNumberField`: run-together `YYYYMMDD`, `YYMMDD`, `hhmmss[.fff]`, `hhmm`.
fn decode_number_field(s: &str, fmask: u32, f: &mut Fields) -> Result<u32, DtErr> {
    let (digits, frac) = match s.find('.') {
        Some(p) => (&s[..p], Some(&s[p..])),
        None => (s, None),
    };
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(DtErr::BadFormat);
    }
    let len = digits.len();
    let num = |r: &str| r.parse::<i64>().map_err(|_| DtErr::FieldOverflow);
    if let Some(fr) = frac {
        f.usec = parse_fraction_usec(fr)?;
    } else if fmask & DATE_M != DATE_M && len >= 6 {
        f.mday = num(&digits[len - 2..])?;
        f.mon = num(&digits[len - 4..len - 2])?;
        f.year = num(&digits[..len - 4])?;
        f.is2digits = len - 4 == 2;
        return Ok(DATE_M);
    }
    if fmask & TIME_M != TIME_M {
        if len == 6 {
            f.hour = num(&digits[..2])?;
            f.min = num(&digits[2..4])?;
            f.sec = num(&digits[4..])?;
            return Ok(TIME_M);
        } else if len == 4 {
            f.hour = num(&digits[..2])?;
            f.min = num(&digits[2..])?;
            f.sec = 0;
            return Ok(TIME_M);
        }
    }
    Err(DtErr::BadFormat)
}

/// `DecodeNumber`: one numeric date field, placed by what is already known (MDY order).
fn decode_number(s: &str, have_text_month: bool, fmask: u32, f: &mut Fields) -> Result<u32, DtErr> {
    let (val, rest) = int_prefix(s)?;
    if !rest.is_empty() {
        if rest.starts_with('.') && s.len() - rest.len() > 2 {
            return decode_number_field(s, fmask, f);
        }
        return Err(DtErr::BadFormat);
    }
    let flen = s.len();
    if flen == 3 && fmask & DATE_M == M_YEAR && (1..=366).contains(&val) {
        // Day of year: "2024-001".
        f.doy = Some(val);
        return Ok(M_MONTH | M_DAY);
    }
    let tmask = match fmask & DATE_M {
        0 => {
            if flen >= 3 {
                f.year = val;
                M_YEAR
            } else {
                f.mon = val;
                M_MONTH
            }
        }
        M_YEAR => {
            f.mon = val;
            M_MONTH
        }
        M_MONTH => {
            if have_text_month && flen >= 3 {
                f.year = val;
                M_YEAR
            } else {
                f.mday = val;
                M_DAY
            }
        }
        x if x == M_YEAR | M_MONTH => {
            if have_text_month && flen >= 3 && f.is2digits {
                f.mday = f.year;
                f.year = val;
                f.is2digits = false;
                return Ok(M_DAY);
            }
            f.mday = val;
            M_DAY
        }
        M_DAY => {
            f.mon = val;
            M_MONTH
        }
        x if x == M_MONTH | M_DAY => {
            f.year = val;
            M_YEAR
        }
        DATE_M => return decode_number_field(s, fmask, f),
        _ => return Err(DtErr::BadFormat),
    };
    if tmask == M_YEAR {
        f.is2digits = flen <= 2;
    }
    Ok(tmask)
}

/// `DecodeDate`: a date with embedded delimiters (`2024-01-02`, `1/8/1999`, `jan-08-1999`).
fn decode_date(s: &str, mut fmask: u32, f: &mut Fields) -> Result<u32, DtErr> {
    let parts: Vec<&str> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    let mut tmask = 0;
    let mut have_text_month = false;
    let mut numeric = Vec::new();
    for p in parts {
        if p.as_bytes()[0].is_ascii_alphabetic() {
            match keyword(p) {
                Some(Kw::Month(m)) => {
                    if fmask & M_MONTH != 0 {
                        return Err(DtErr::BadFormat);
                    }
                    f.mon = m as i64;
                    have_text_month = true;
                    fmask |= M_MONTH;
                    tmask |= M_MONTH;
                }
                Some(Kw::Ignore) => {}
                _ => return Err(DtErr::BadFormat),
            }
        } else {
            numeric.push(p);
        }
    }
    for p in numeric {
        let dmask = decode_number(p, have_text_month, fmask, f)?;
        if fmask & dmask != 0 {
            return Err(DtErr::BadFormat);
        }
        fmask |= dmask;
        tmask |= dmask;
    }
    if fmask & !M_TZ & (DATE_M | TIME_M) != DATE_M && fmask & DATE_M != DATE_M {
        return Err(DtErr::BadFormat);
    }
    if fmask & DATE_M != DATE_M {
        return Err(DtErr::BadFormat);
    }
    Ok(tmask)
}

/// What the text amounted to.
enum Decoded {
    /// A broken-down value, with the zone if one was given.
    Fields(Fields, Zone),
    Epoch,
    Infinity,
    NegInfinity,
}

enum Zone {
    None,
    Fixed(i32),
    Named(TimeZone),
}

/// Which `Decode*` entry point: date/timestamp need a full date, time does not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    DateTime,
    TimeOnly,
}

fn now_local(tz: &TimeZone) -> Tm {
    timestamp2tm(timestamptz_to_timestamp(TimestampTz(now_micros()), tz).0)
}

/// `DecodeDateTime` / `DecodeTimeOnly`.
fn decode(fields: &[(Ft, String)], want: Want, tz: &TimeZone) -> Result<Decoded, DtErr> {
    let mut f = Fields::default();
    let mut fmask: u32 = 0;
    let mut zone = Zone::None;
    let mut bc = false;
    let mut mer: Option<bool> = None; // Some(true) = PM
    let mut special: Option<Kw> = None;
    let mut ptype_t = false;
    for (ty, text) in fields {
        let tmask: u32;
        match ty {
            Ft::Date => {
                if fmask & (M_MONTH | M_DAY) == (M_MONTH | M_DAY)
                    && !text.as_bytes()[0].is_ascii_digit()
                {
                    zone = Zone::Named(lookup_zone(text)?);
                    tmask = M_TZ;
                } else if want == Want::TimeOnly && fmask & DATE_M == DATE_M {
                    return Err(DtErr::BadFormat);
                } else {
                    tmask = decode_date(text, fmask, &mut f)?;
                }
            }
            Ft::Time => {
                let (h, m, s, us) = decode_time(text)?;
                f.hour = h;
                f.min = m;
                f.sec = s;
                f.usec = us;
                if time_overflows(&f) {
                    return Err(DtErr::FieldOverflow);
                }
                tmask = TIME_M;
                ptype_t = false;
            }
            Ft::Tz => {
                zone = Zone::Fixed(decode_timezone(text)?);
                tmask = M_TZ;
            }
            Ft::Number => {
                let flen = text.len();
                let dot = text.find('.');
                if want == Want::TimeOnly
                    && (flen == 4 || flen == 6)
                    && fmask & TIME_M == 0
                    && dot.is_none()
                {
                    // DecodeTimeOnly: run-together hhmm / hhmmss.
                    tmask = decode_number_field(text, fmask | DATE_M, &mut f)?;
                } else if ptype_t {
                    // "T" followed by a run-together time.
                    tmask = decode_number_field(text, fmask & !TIME_M, &mut f)?;
                    if tmask != TIME_M {
                        return Err(DtErr::BadFormat);
                    }
                    ptype_t = false;
                } else if dot.is_some() && fmask & DATE_M == 0 {
                    tmask = decode_date(text, fmask, &mut f)?;
                } else if dot.is_some_and(|p| p > 2)
                    || (dot.is_none() && flen >= 6 && (fmask & DATE_M == 0 || fmask & TIME_M == 0))
                {
                    tmask = decode_number_field(text, fmask, &mut f)?;
                } else {
                    let have_text_month = fields
                        .iter()
                        .any(|(t, s)| *t == Ft::String && matches!(keyword(s), Some(Kw::Month(_))));
                    tmask = decode_number(text, have_text_month, fmask, &mut f)?;
                }
            }
            Ft::String | Ft::Special => match keyword(text) {
                Some(Kw::Month(m)) => {
                    let mut t = M_MONTH;
                    if fmask & M_MONTH != 0 && fmask & M_DAY == 0 && (1..=31).contains(&f.mon) {
                        // "8 Jan 1999": the number read as a month was the day.
                        f.mday = f.mon;
                        t = M_DAY;
                    }
                    f.mon = m as i64;
                    tmask = t;
                }
                Some(Kw::Dow) => tmask = M_DOW,
                Some(Kw::Am) => {
                    mer = Some(false);
                    tmask = M_AMPM;
                }
                Some(Kw::Pm) => {
                    mer = Some(true);
                    tmask = M_AMPM;
                }
                Some(Kw::Ad) => tmask = M_ADBC,
                Some(Kw::Bc) => {
                    bc = true;
                    tmask = M_ADBC;
                }
                Some(Kw::IsoTime) => {
                    ptype_t = true;
                    tmask = 0;
                }
                Some(Kw::Ignore) => tmask = 0,
                Some(k @ (Kw::Epoch | Kw::Infinity | Kw::NegInfinity)) => {
                    special = Some(k);
                    tmask = DATE_M | TIME_M | M_TZ;
                }
                Some(Kw::Now) => {
                    let tm = now_local(tz);
                    set_date(&mut f, &tm);
                    f.hour = tm.hour as i64;
                    f.min = tm.min as i64;
                    f.sec = tm.sec as i64;
                    f.usec = tm.usec;
                    zone = Zone::Named(tz.clone());
                    tmask = DATE_M | TIME_M | M_TZ;
                }
                Some(k @ (Kw::Today | Kw::Tomorrow | Kw::Yesterday)) => {
                    let tm = now_local(tz);
                    let delta = match k {
                        Kw::Tomorrow => 1,
                        Kw::Yesterday => -1,
                        _ => 0,
                    };
                    let (y, m, d) = super::j2date(tm.julian() + delta);
                    f.year = y as i64;
                    f.mon = m as i64;
                    f.mday = d as i64;
                    tmask = DATE_M;
                }
                Some(Kw::Allballs) => {
                    f.hour = 0;
                    f.min = 0;
                    f.sec = 0;
                    f.usec = 0;
                    tmask = TIME_M;
                }
                None => {
                    if let Some(off) = tz_abbrev(text) {
                        zone = Zone::Fixed(off);
                    } else {
                        // An all-alpha zone name, or nothing PostgreSQL knows.
                        zone = Zone::Named(lookup_zone(text).map_err(|_| DtErr::BadFormat)?);
                    }
                    tmask = M_TZ;
                }
            },
        }
        if fmask & tmask != 0 {
            return Err(DtErr::BadFormat);
        }
        fmask |= tmask;
    }
    match special {
        Some(Kw::Epoch) => return Ok(Decoded::Epoch),
        Some(Kw::Infinity) => return Ok(Decoded::Infinity),
        Some(Kw::NegInfinity) => return Ok(Decoded::NegInfinity),
        _ => {}
    }
    validate_date(fmask, bc, &mut f)?;
    if let Some(pm) = mer {
        if f.hour > 12 {
            return Err(DtErr::FieldOverflow);
        }
        if !pm && f.hour == 12 {
            f.hour = 0;
        } else if pm && f.hour != 12 {
            f.hour += 12;
        }
    }
    if time_overflows(&f) {
        return Err(DtErr::FieldOverflow);
    }
    match want {
        Want::DateTime => {
            if fmask & DATE_M != DATE_M {
                return Err(DtErr::BadFormat);
            }
        }
        Want::TimeOnly => {
            if fmask & TIME_M == 0 {
                return Err(DtErr::BadFormat);
            }
        }
    }
    Ok(Decoded::Fields(f, zone))
}

fn set_date(f: &mut Fields, tm: &Tm) {
    f.year = tm.year as i64;
    f.mon = tm.mon as i64;
    f.mday = tm.mday as i64;
}

fn lookup_zone(name: &str) -> Result<TimeZone, DtErr> {
    if let Some(off) = tz_abbrev(name) {
        return super::fixed_tz(off).ok_or(DtErr::BadFormat);
    }
    if let Ok(tz) = jiff::tz::db().get(name) {
        return Ok(tz);
    }
    // A POSIX string such as "utc+3" or "am-05:30" (PostgreSQL's pg_tzset).
    let posix = name
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic());
    posix
        .then(|| {
            TimeZone::posix(&name.to_ascii_uppercase())
                .ok()
                .or_else(|| super::posix_fixed(name))
        })
        .flatten()
        .ok_or_else(|| DtErr::BadTimezone(name.to_string()))
}

/// `ValidateDate`: BC years, two-digit years, month and day ranges.
fn validate_date(fmask: u32, bc: bool, f: &mut Fields) -> Result<(), DtErr> {
    if fmask & M_YEAR != 0 {
        if bc {
            if f.year <= 0 {
                return Err(DtErr::FieldOverflow);
            }
            f.year = -(f.year - 1);
        } else if f.is2digits {
            if f.year < 70 {
                f.year += 2000;
            } else if f.year < 100 {
                f.year += 1900;
            }
        } else if f.year <= 0 {
            return Err(DtErr::FieldOverflow);
        }
    }
    if let Some(doy) = f.doy {
        if f.year.abs() > i32::MAX as i64 / 2 {
            return Err(DtErr::FieldOverflow);
        }
        let (_, m, d) = super::j2date(date2j(f.year as i32, 1, 1) + doy as i32 - 1);
        f.mon = m as i64;
        f.mday = d as i64;
    }
    if fmask & M_MONTH != 0 && !(1..=12).contains(&f.mon) {
        return Err(DtErr::FieldOverflow);
    }
    if fmask & M_DAY != 0 && !(1..=31).contains(&f.mday) {
        return Err(DtErr::FieldOverflow);
    }
    if fmask & DATE_M == DATE_M && f.mday > days_in_month(f.year as i32, f.mon as i32) as i64 {
        return Err(DtErr::FieldOverflow);
    }
    Ok(())
}

fn fields_to_tm(f: &Fields) -> Tm {
    Tm {
        year: f.year as i32,
        mon: f.mon as i32,
        mday: f.mday as i32,
        hour: f.hour as i32,
        min: f.min as i32,
        sec: f.sec as i32,
        usec: f.usec,
    }
}

fn decode_str(s: &str, want: Want, tz: &TimeZone) -> Result<Decoded, DtErr> {
    let fields = tokenize(s)?;
    if fields.is_empty() {
        return Err(DtErr::BadFormat);
    }
    decode(&fields, want, tz)
}

const EPOCH_TS: i64 = (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) as i64 * USECS_PER_DAY;

pub(super) fn parse_date(s: &str, tz: &TimeZone) -> Result<Date, DatumError> {
    let err = |e| report(e, "date", s);
    match decode_str(s, Want::DateTime, tz).map_err(err)? {
        Decoded::Epoch => Ok(Date(UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE)),
        Decoded::Infinity => Ok(Date::INFINITY),
        Decoded::NegInfinity => Ok(Date::NEG_INFINITY),
        Decoded::Fields(f, _) => {
            let out = || DatumError::DatetimeFieldOverflow(format!("date out of range: \"{s}\""));
            if f.year.abs() > i32::MAX as i64 / 2
                || !is_valid_julian(f.year as i32, f.mon as i32, f.mday as i32)
            {
                return Err(out());
            }
            let d = date2j(f.year as i32, f.mon as i32, f.mday as i32) as i64
                - POSTGRES_EPOCH_JDATE as i64;
            if !is_valid_date(d) {
                return Err(out());
            }
            Ok(Date(d as i32))
        }
    }
}

pub(super) fn parse_time(s: &str, tz: &TimeZone) -> Result<Time, DatumError> {
    let err = |e| report(e, "time", s);
    match decode_str(s, Want::TimeOnly, tz).map_err(err)? {
        Decoded::Fields(f, _) => Ok(Time(
            ((f.hour * 60 + f.min) * 60 + f.sec) * USECS_PER_SEC + f.usec,
        )),
        _ => Err(report(DtErr::BadFormat, "time", s)),
    }
}

/// The local timestamp of decoded fields.
fn local_of(f: &Fields, s: &str) -> Result<i64, DatumError> {
    let out = || DatumError::DatetimeFieldOverflow(format!("timestamp out of range: \"{s}\""));
    if f.year.abs() > i32::MAX as i64 / 2 {
        return Err(out());
    }
    tm2timestamp(&fields_to_tm(f)).map_err(|_| out())
}

pub(super) fn parse_timestamp(s: &str, tz: &TimeZone) -> Result<Timestamp, DatumError> {
    let err = |e| report(e, "timestamp without time zone", s);
    match decode_str(s, Want::DateTime, tz).map_err(err)? {
        Decoded::Epoch => Ok(Timestamp(EPOCH_TS)),
        Decoded::Infinity => Ok(Timestamp::INFINITY),
        Decoded::NegInfinity => Ok(Timestamp::NEG_INFINITY),
        Decoded::Fields(f, _) => local_of(&f, s).map(Timestamp),
    }
}

pub(super) fn parse_timestamptz(s: &str, tz: &TimeZone) -> Result<TimestampTz, DatumError> {
    let err = |e| report(e, "timestamp with time zone", s);
    match decode_str(s, Want::DateTime, tz).map_err(err)? {
        Decoded::Epoch => Ok(TimestampTz(EPOCH_TS)),
        Decoded::Infinity => Ok(TimestampTz::INFINITY),
        Decoded::NegInfinity => Ok(TimestampTz::NEG_INFINITY),
        Decoded::Fields(f, zone) => {
            let local = local_of(&f, s)?;
            let out =
                || DatumError::DatetimeFieldOverflow(format!("timestamp out of range: \"{s}\""));
            let utc = match zone {
                Zone::Fixed(east) => {
                    let v = local - east as i64 * USECS_PER_SEC;
                    if !super::is_valid_timestamp(v) {
                        return Err(out());
                    }
                    v
                }
                Zone::Named(z) => local_to_utc(local, &z).map_err(|_| out())?,
                Zone::None => local_to_utc(local, tz).map_err(|_| out())?,
            };
            Ok(TimestampTz(utc))
        }
    }
}

// ---------------------------------------------------------------------------
// Intervals
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unit {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Decade,
    Century,
    Millennium,
}

fn interval_unit(s: &str) -> Option<Unit> {
    use Unit::*;
    Some(match s {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "useconds" | "microsecon" => {
            Microsecond
        }
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "mseconds" | "millisecon" => {
            Millisecond
        }
        "second" | "seconds" | "s" | "sec" | "secs" => Second,
        "minute" | "minutes" | "m" | "min" | "mins" => Minute,
        "hour" | "hours" | "h" | "hr" | "hrs" => Hour,
        "day" | "days" | "d" => Day,
        "week" | "weeks" | "w" => Week,
        "month" | "months" | "mon" | "mons" => Month,
        "year" | "years" | "y" | "yr" | "yrs" => Year,
        "decade" | "decades" | "dec" | "decs" => Decade,
        "century" | "centuries" | "c" | "cent" => Century,
        "millennium" | "millennia" | "mil" | "mils" => Millennium,
        _ => return None,
    })
}

/// `pg_itm_in`: the interval being assembled.
#[derive(Default)]
struct Itm {
    usec: i64,
    mday: i32,
    mon: i32,
    year: i32,
}

impl Itm {
    fn add_usec(&mut self, val: i64, scale: i64) -> Result<(), DtErr> {
        let v = val.checked_mul(scale).ok_or(DtErr::FieldOverflow)?;
        self.usec = self.usec.checked_add(v).ok_or(DtErr::FieldOverflow)?;
        Ok(())
    }
    /// `AdjustFractMicroseconds`.
    fn fract_usec(&mut self, frac: f64, scale: i64) -> Result<(), DtErr> {
        if frac == 0.0 {
            return Ok(());
        }
        let f = frac * scale as f64;
        if !(f > i64::MIN as f64 && f < i64::MAX as f64) {
            return Err(DtErr::FieldOverflow);
        }
        let mut usec = f as i64;
        usec += (f - usec as f64).round_ties_even() as i64;
        self.usec = self.usec.checked_add(usec).ok_or(DtErr::FieldOverflow)?;
        Ok(())
    }
    fn add_days(&mut self, val: i64, scale: i64) -> Result<(), DtErr> {
        let v = val.checked_mul(scale).ok_or(DtErr::FieldOverflow)?;
        let v = i32::try_from(v).map_err(|_| DtErr::FieldOverflow)?;
        self.mday = self.mday.checked_add(v).ok_or(DtErr::FieldOverflow)?;
        Ok(())
    }
    /// `AdjustFractDays`.
    fn fract_days(&mut self, frac: f64, scale: i32) -> Result<(), DtErr> {
        if frac == 0.0 {
            return Ok(());
        }
        let f = frac * scale as f64;
        let extra = f as i32;
        self.mday = self.mday.checked_add(extra).ok_or(DtErr::FieldOverflow)?;
        self.fract_usec(f - extra as f64, USECS_PER_DAY)
    }
    fn add_months(&mut self, val: i64) -> Result<(), DtErr> {
        let v = i32::try_from(val).map_err(|_| DtErr::FieldOverflow)?;
        self.mon = self.mon.checked_add(v).ok_or(DtErr::FieldOverflow)?;
        Ok(())
    }
    fn add_years(&mut self, val: i64, scale: i64) -> Result<(), DtErr> {
        let v = val.checked_mul(scale).ok_or(DtErr::FieldOverflow)?;
        let v = i32::try_from(v).map_err(|_| DtErr::FieldOverflow)?;
        self.year = self.year.checked_add(v).ok_or(DtErr::FieldOverflow)?;
        Ok(())
    }
    /// `AdjustFractYears`.
    fn fract_years(&mut self, frac: f64, scale: i64) -> Result<(), DtErr> {
        let extra = (frac * scale as f64 * 12.0).round_ties_even();
        if !(extra > i32::MIN as f64 && extra < i32::MAX as f64) {
            return Err(DtErr::FieldOverflow);
        }
        self.mon = self
            .mon
            .checked_add(extra as i32)
            .ok_or(DtErr::FieldOverflow)?;
        Ok(())
    }

    fn apply(&mut self, unit: Unit, val: i64, fval: f64) -> Result<(), DtErr> {
        use Unit::*;
        match unit {
            Microsecond => {
                self.add_usec(val, 1)?;
                self.fract_usec(fval, 1)
            }
            Millisecond => {
                self.add_usec(val, 1000)?;
                self.fract_usec(fval, 1000)
            }
            Second => {
                self.add_usec(val, USECS_PER_SEC)?;
                self.fract_usec(fval, USECS_PER_SEC)
            }
            Minute => {
                self.add_usec(val, USECS_PER_MINUTE)?;
                self.fract_usec(fval, USECS_PER_MINUTE)
            }
            Hour => {
                self.add_usec(val, USECS_PER_HOUR)?;
                self.fract_usec(fval, USECS_PER_HOUR)
            }
            Day => {
                self.add_days(val, 1)?;
                self.fract_usec(fval, USECS_PER_DAY)
            }
            Week => {
                self.add_days(val, 7)?;
                self.fract_days(fval, 7)
            }
            Month => {
                self.add_months(val)?;
                self.fract_days(fval, 30)
            }
            Year => {
                self.add_years(val, 1)?;
                self.fract_years(fval, 1)
            }
            Decade => {
                self.add_years(val, 10)?;
                self.fract_years(fval, 10)
            }
            Century => {
                self.add_years(val, 100)?;
                self.fract_years(fval, 100)
            }
            Millennium => {
                self.add_years(val, 1000)?;
                self.fract_years(fval, 1000)
            }
        }
    }

    fn to_interval(&self) -> Option<Interval> {
        let months = (self.year as i64)
            .checked_mul(12)?
            .checked_add(self.mon as i64)?;
        Some(Interval {
            months: i32::try_from(months).ok()?,
            days: self.mday,
            micros: self.usec,
        })
    }
}

fn unit_mask(u: Unit, fval: f64) -> u32 {
    use Unit::*;
    match u {
        Microsecond => M_MICROSECOND,
        Millisecond => M_MILLISECOND,
        Second if fval == 0.0 => M_SECOND,
        Second => M_SECOND | M_MILLISECOND | M_MICROSECOND,
        Minute => M_MINUTE,
        Hour => M_HOUR,
        Day => M_DAY,
        Week => M_WEEK,
        Month => M_MONTH,
        Year => M_YEAR,
        Decade => M_DECADE,
        Century => M_CENTURY,
        Millennium => M_MILLENNIUM,
    }
}

/// `DecodeTimeForInterval`: `h:m[:s[.f]]` → µs (hours unbounded).
fn interval_time(s: &str) -> Result<i64, DtErr> {
    let (h, rest) = int_prefix_i64(s)?;
    let rest = rest.strip_prefix(':').ok_or(DtErr::BadFormat)?;
    let (m, rest) = int_prefix_i64(rest)?;
    let (h, m, sec, usec) = if rest.is_empty() {
        (h, m, 0, 0)
    } else if rest.starts_with('.') {
        (0, h, m, parse_fraction_usec(rest)?)
    } else if let Some(r) = rest.strip_prefix(':') {
        let (sec, r) = int_prefix_i64(r)?;
        let usec = if r.is_empty() {
            0
        } else {
            parse_fraction_usec(r)?
        };
        (h, m, sec, usec)
    } else {
        return Err(DtErr::BadFormat);
    };
    if m > 59 || sec > 60 || usec > USECS_PER_SEC {
        return Err(DtErr::FieldOverflow);
    }
    h.checked_mul(USECS_PER_HOUR)
        .and_then(|v| v.checked_add(m * USECS_PER_MINUTE + sec * USECS_PER_SEC + usec))
        .ok_or(DtErr::FieldOverflow)
}

fn int_prefix_i64(s: &str) -> Result<(i64, &str), DtErr> {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    if end == 0 {
        return Err(DtErr::BadFormat);
    }
    let v = s[..end].parse::<i64>().map_err(|_| DtErr::FieldOverflow)?;
    Ok((v, &s[end..]))
}

/// A signed number `[+-]digits[.digits]` or `[+-]y-m` → (val, fval, is_year_month).
fn interval_number(s: &str) -> Result<(i64, f64, bool), DtErr> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (v, rest) = if body.starts_with('.') {
        (0, body)
    } else {
        int_prefix_i64(body)?
    };
    let val = if neg { -v } else { v };
    if let Some(r) = rest.strip_prefix('-') {
        let (v2, r2) = int_prefix_i64(r)?;
        if !r2.is_empty() {
            return Err(DtErr::BadFormat);
        }
        let v2 = if neg { -v2 } else { v2 };
        let total = val as f64 * 12.0 + v2 as f64;
        if total > i32::MAX as f64 || total < i32::MIN as f64 {
            return Err(DtErr::FieldOverflow);
        }
        return Ok((val * 12 + v2, 0.0, true));
    }
    if rest.is_empty() {
        return Ok((val, 0.0, false));
    }
    let f = parse_fraction(rest)?;
    Ok((val, if neg { -f } else { f }, false))
}

/// `DecodeInterval`, reading fields right to left.
fn decode_interval(fields: &[(Ft, String)]) -> Result<Itm, DtErr> {
    let mut itm = Itm::default();
    let mut fmask = 0u32;
    let mut unit: Option<Unit> = None;
    let mut is_before = false;
    for (ty, text) in fields.iter().rev() {
        let tmask;
        match ty {
            Ft::Time => {
                let us = interval_time(text)?;
                itm.usec = itm.usec.checked_add(us).ok_or(DtErr::FieldOverflow)?;
                unit = Some(Unit::Day);
                tmask = INTERVAL_TIME_M;
            }
            Ft::Tz if text[1..].contains(':') && interval_time(&text[1..]).is_ok() => {
                let us = interval_time(&text[1..])?;
                let us = if text.starts_with('-') { -us } else { us };
                itm.usec = itm.usec.checked_add(us).ok_or(DtErr::FieldOverflow)?;
                unit = Some(Unit::Day);
                tmask = INTERVAL_TIME_M;
            }
            Ft::Tz | Ft::Date | Ft::Number => {
                let u = unit.unwrap_or(Unit::Second);
                let (val, fval, ym) = interval_number(text)?;
                let u = if ym { Unit::Month } else { u };
                unit = Some(u);
                itm.apply(u, val, fval)?;
                tmask = unit_mask(u, fval);
                if u == Unit::Hour {
                    // PostgreSQL: "set for next field", so '1 5 hours' is 1 day 05:00.
                    unit = Some(Unit::Day);
                }
            }
            Ft::String | Ft::Special => {
                if text == "ago" {
                    is_before = true;
                    tmask = 0;
                } else if text == "at" || text == "on" {
                    continue;
                } else if let Some(u) = interval_unit(text) {
                    unit = Some(u);
                    tmask = 0;
                } else {
                    return Err(DtErr::BadFormat);
                }
            }
        }
        if fmask & tmask != 0 {
            return Err(DtErr::BadFormat);
        }
        fmask |= tmask;
    }
    if fmask == 0 {
        return Err(DtErr::BadFormat);
    }
    if is_before {
        itm.usec = itm.usec.checked_neg().ok_or(DtErr::FieldOverflow)?;
        itm.mday = itm.mday.checked_neg().ok_or(DtErr::FieldOverflow)?;
        itm.mon = itm.mon.checked_neg().ok_or(DtErr::FieldOverflow)?;
        itm.year = itm.year.checked_neg().ok_or(DtErr::FieldOverflow)?;
    }
    Ok(itm)
}

/// `DecodeISO8601Interval`, designator format only: `P1Y2M3W4DT5H6M7.5S`.
fn decode_iso_interval(s: &str) -> Result<Itm, DtErr> {
    let s = s.to_ascii_uppercase();
    let body = s.strip_prefix('P').ok_or(DtErr::BadFormat)?;
    if body.is_empty() {
        return Err(DtErr::BadFormat);
    }
    let mut itm = Itm::default();
    let mut in_time = false;
    let mut rest = body;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('T') {
            if in_time {
                return Err(DtErr::BadFormat);
            }
            in_time = true;
            rest = r;
            continue;
        }
        let end = rest
            .bytes()
            .position(|c| !(c.is_ascii_digit() || c == b'.' || c == b'-' || c == b'+'))
            .ok_or(DtErr::BadFormat)?;
        if end == 0 {
            return Err(DtErr::BadFormat);
        }
        let (val, fval, ym) = interval_number(&rest[..end])?;
        if ym {
            return Err(DtErr::BadFormat);
        }
        let unit = rest.as_bytes()[end];
        if !unit.is_ascii() {
            return Err(DtErr::BadFormat);
        }
        rest = &rest[end + 1..];
        let u = match (in_time, unit) {
            (false, b'Y') => Unit::Year,
            (false, b'M') => Unit::Month,
            (false, b'W') => Unit::Week,
            (false, b'D') => Unit::Day,
            (true, b'H') => Unit::Hour,
            (true, b'M') => Unit::Minute,
            (true, b'S') => Unit::Second,
            _ => return Err(DtErr::BadFormat),
        };
        itm.apply(u, val, fval)?;
    }
    Ok(itm)
}

pub(super) fn parse_interval(s: &str) -> Result<Interval, DatumError> {
    let err = |e: DtErr| {
        let e = match e {
            DtErr::FieldOverflow => DtErr::IntervalOverflow,
            e => e,
        };
        match e {
            DtErr::IntervalOverflow => DatumError::Other {
                code: "22015",
                message: format!("interval field value out of range: \"{s}\""),
            },
            e => report(e, "interval", s),
        }
    };
    let t = s.trim();
    let itm = if t.starts_with(['P', 'p']) {
        decode_iso_interval(t).map_err(err)?
    } else {
        let fields = tokenize(s).map_err(err)?;
        decode_interval(&fields).map_err(err)?
    };
    itm.to_interval().ok_or_else(interval_out_of_range)
}

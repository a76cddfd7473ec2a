//! Date/time templates: `to_char(timestamp|timestamptz|interval, text)`,
//! `to_timestamp(text, text)` and `to_date(text, text)`, as PostgreSQL 15's
//! `src/backend/utils/adt/formatting.c` (the `DCH_*` half) does them. The
//! number half (`to_char(numeric, text)`) is [`crate::datum::numformat`].
//!
//! # Templates
//!
//! A template is parsed once into nodes ([`parse_template`]): keywords
//! (`YYYY`, `Mon`, `HH24`, ...) matched case-sensitively and longest
//! first from PostgreSQL's keyword table, each with an optional `FM`/`TM`
//! prefix and `TH`/`th` suffix; `"quoted text"` (backslash escapes the next
//! character inside quotes); a backslash before `"` outside quotes; and
//! every other character as a literal, a space, or (for parsing) a
//! separator.
//!
//! ```text
//! "FMDay, DDth \"of\" Month"  →  [FM Day] [,] [ ] [DD th] [ ] [o] [f] [ ] [Month]
//! ```
//!
//! # Interface routines
//!
//! ```text
//! timestamp_to_char(ts, fmt)           to_char(timestamp, text); None for infinity
//! timestamptz_to_char(ts, fmt, tz)     to_char(timestamptz, text) in the session zone
//! interval_to_char(iv, fmt)            to_char(interval, text)
//! to_timestamp(s, fmt, tz)             to_timestamp(text, text)
//! to_date(s, fmt)                      to_date(text, text)
//! ```
//!
//! Errors: 22007 for a malformed input or a field that does not apply
//! (`invalid format specification for an interval value`), 22008 for an
//! out-of-range field or result, 0A000 for `TZ`/`OF` in the parse direction.
//!
//! # Not done
//!
//! * Localized (`TM`) names: the C locale's English names are always used.
//! * The `SP` suffix (PostgreSQL does not implement it either).
//! * In parsing: `TZ`/`OF` (0A000 as in PostgreSQL 15), and the standard
//!   (`std`) mode used by SQL/JSON's `.datetime()`.

use jiff::tz::TimeZone;

use super::{
    Date, Interval, POSTGRES_EPOCH_JDATE, Timestamp, TimestampTz, USECS_PER_HOUR, USECS_PER_MINUTE,
    USECS_PER_SEC, date2j, days_in_month, extract::iso_week_year, is_valid_julian, j2date, j2day,
    timestamp_to_timestamptz, timestamp2tm, tm2timestamp, utc_offset_abbrev_at,
};
use crate::datum::DatumError;

/// A template keyword (PostgreSQL's `DCH_*` ids; case variants apart where
/// they print differently). The variants are spelled as the keywords are,
/// hence upper case; `L` marks a lower-case variant (`Lmonth` is `month`).
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum K {
    ADots,
    AMDots,
    AD,
    AM,
    LadDots,
    LamDots,
    Lad,
    Lam,
    CC,
    DAY,
    Day,
    Lday,
    DDD,
    DD,
    DY,
    Dy,
    Ldy,
    D,
    FF(u8),
    FX,
    HH24,
    HH12,
    HH,
    IDDD,
    ID,
    IW,
    IYYY,
    IYY,
    IY,
    I,
    J,
    MI,
    MM,
    MONTH,
    Month,
    Lmonth,
    MON,
    Mon,
    Lmon,
    MS,
    OF,
    Q,
    RM,
    Lrm,
    SSSS,
    SS,
    TZH,
    TZM,
    TZ,
    Ltz,
    US,
    WW,
    W,
    YComma,
    YYYY,
    YYY,
    YY,
    Y,
}

/// PostgreSQL's `DCH_keywords`, in its order: the first entry that is a
/// prefix of the template wins, so longer names come first.
const KEYWORDS: &[(&str, K)] = &[
    ("A.D.", K::ADots),
    ("A.M.", K::AMDots),
    ("AD", K::AD),
    ("AM", K::AM),
    ("B.C.", K::ADots),
    ("BC", K::AD),
    ("CC", K::CC),
    ("DAY", K::DAY),
    ("DDD", K::DDD),
    ("DD", K::DD),
    ("DY", K::DY),
    ("Day", K::Day),
    ("Dy", K::Dy),
    ("D", K::D),
    ("FF1", K::FF(1)),
    ("FF2", K::FF(2)),
    ("FF3", K::FF(3)),
    ("FF4", K::FF(4)),
    ("FF5", K::FF(5)),
    ("FF6", K::FF(6)),
    ("FX", K::FX),
    ("HH24", K::HH24),
    ("HH12", K::HH12),
    ("HH", K::HH),
    ("IDDD", K::IDDD),
    ("ID", K::ID),
    ("IW", K::IW),
    ("IYYY", K::IYYY),
    ("IYY", K::IYY),
    ("IY", K::IY),
    ("I", K::I),
    ("J", K::J),
    ("MI", K::MI),
    ("MM", K::MM),
    ("MONTH", K::MONTH),
    ("MON", K::MON),
    ("MS", K::MS),
    ("Month", K::Month),
    ("Mon", K::Mon),
    ("OF", K::OF),
    ("P.M.", K::AMDots),
    ("PM", K::AM),
    ("Q", K::Q),
    ("RM", K::RM),
    ("SSSSS", K::SSSS),
    ("SSSS", K::SSSS),
    ("SS", K::SS),
    ("TZH", K::TZH),
    ("TZM", K::TZM),
    ("TZ", K::TZ),
    ("US", K::US),
    ("WW", K::WW),
    ("W", K::W),
    ("Y,YYY", K::YComma),
    ("YYYY", K::YYYY),
    ("YYY", K::YYY),
    ("YY", K::YY),
    ("Y", K::Y),
    ("a.d.", K::LadDots),
    ("a.m.", K::LamDots),
    ("ad", K::Lad),
    ("am", K::Lam),
    ("b.c.", K::LadDots),
    ("bc", K::Lad),
    ("cc", K::CC),
    ("day", K::Lday),
    ("ddd", K::DDD),
    ("dd", K::DD),
    ("dy", K::Ldy),
    ("d", K::D),
    ("ff1", K::FF(1)),
    ("ff2", K::FF(2)),
    ("ff3", K::FF(3)),
    ("ff4", K::FF(4)),
    ("ff5", K::FF(5)),
    ("ff6", K::FF(6)),
    ("fx", K::FX),
    ("hh24", K::HH24),
    ("hh12", K::HH12),
    ("hh", K::HH),
    ("iddd", K::IDDD),
    ("id", K::ID),
    ("iw", K::IW),
    ("iyyy", K::IYYY),
    ("iyy", K::IYY),
    ("iy", K::IY),
    ("i", K::I),
    ("j", K::J),
    ("mi", K::MI),
    ("mm", K::MM),
    ("month", K::Lmonth),
    ("mon", K::Lmon),
    ("ms", K::MS),
    ("of", K::OF),
    ("p.m.", K::LamDots),
    ("pm", K::Lam),
    ("q", K::Q),
    ("rm", K::Lrm),
    ("sssss", K::SSSS),
    ("ssss", K::SSSS),
    ("ss", K::SS),
    ("tzh", K::TZH),
    ("tzm", K::TZM),
    ("tz", K::Ltz),
    ("us", K::US),
    ("ww", K::WW),
    ("w", K::W),
    ("y,yyy", K::YComma),
    ("yyyy", K::YYYY),
    ("yyy", K::YYY),
    ("yy", K::YY),
    ("y", K::Y),
];

impl K {
    /// Is the field numeric (PostgreSQL's `is_digit`)? A digit field
    /// followed by another one is read fixed-width when parsing.
    fn is_digit(self) -> bool {
        matches!(
            self,
            K::CC
                | K::DDD
                | K::DD
                | K::D
                | K::HH24
                | K::HH12
                | K::HH
                | K::IDDD
                | K::ID
                | K::IW
                | K::IYYY
                | K::IYY
                | K::IY
                | K::I
                | K::J
                | K::MI
                | K::MM
                | K::MS
                | K::Q
                | K::SSSS
                | K::SS
                | K::TZM
                | K::US
                | K::WW
                | K::W
                | K::YComma
                | K::YYYY
                | K::YYY
                | K::YY
                | K::Y
        )
    }

    /// Does the field belong to the ISO week-date calendar (parse direction)?
    fn is_iso(self) -> bool {
        matches!(
            self,
            K::IDDD | K::ID | K::IW | K::IYYY | K::IYY | K::IY | K::I
        )
    }

    /// Does the field belong to the Gregorian calendar (parse direction)?
    fn is_gregorian(self) -> bool {
        matches!(
            self,
            K::DDD
                | K::DD
                | K::D
                | K::MM
                | K::MONTH
                | K::Month
                | K::Lmonth
                | K::MON
                | K::Mon
                | K::Lmon
                | K::RM
                | K::Lrm
                | K::WW
                | K::W
                | K::YComma
                | K::YYYY
                | K::YYY
                | K::YY
                | K::Y
        )
    }
}

/// One element of a parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    /// A keyword: its id, its text as matched (for messages and lengths),
    /// `FM` (fill mode: no padding), `TM` (translation mode: names
    /// unpadded, in the C locale's words), and `TH`/`th` (ordinal suffix,
    /// `Some(true)` for upper case).
    Key {
        key: K,
        name: &'static str,
        fm: bool,
        tm: bool,
        th: Option<bool>,
    },
    /// A literal character (quoted text included); `sep` marks ASCII
    /// punctuation outside quotes, `space` white space, for parsing.
    Lit { c: char, sep: bool, space: bool },
}

/// Parses a template (`parse_format` with `DCH_FLAG`).
fn parse_template(fmt: &str) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut rest = fmt;
    while !rest.is_empty() {
        let (mut fm, mut tm) = (false, false);
        if rest.starts_with("FM") || rest.starts_with("fm") {
            fm = true;
            rest = &rest[2..];
        } else if rest.starts_with("TM") || rest.starts_with("tm") {
            tm = true;
            rest = &rest[2..];
        }
        if let Some(&(name, key)) = KEYWORDS.iter().find(|(n, _)| rest.starts_with(n)) {
            rest = &rest[name.len()..];
            let th = if rest.starts_with("TH") {
                rest = &rest[2..];
                Some(true)
            } else if rest.starts_with("th") {
                rest = &rest[2..];
                Some(false)
            } else {
                if rest.starts_with("SP") {
                    rest = &rest[2..];
                }
                None
            };
            nodes.push(Node::Key {
                key,
                name,
                fm,
                tm,
                th,
            });
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        if c == '"' {
            let mut inner = chars.as_str();
            loop {
                let mut it = inner.chars();
                match it.next() {
                    None => break,
                    Some('"') => {
                        inner = it.as_str();
                        break;
                    }
                    Some('\\') if !it.as_str().is_empty() => {
                        let mut it2 = it.as_str().chars();
                        if let Some(q) = it2.next() {
                            nodes.push(Node::Lit {
                                c: q,
                                sep: false,
                                space: false,
                            });
                        }
                        inner = it2.as_str();
                    }
                    Some(q) => {
                        nodes.push(Node::Lit {
                            c: q,
                            sep: false,
                            space: false,
                        });
                        inner = it.as_str();
                    }
                }
            }
            rest = inner;
            continue;
        }
        let (c, after) = if c == '\\' && chars.as_str().starts_with('"') {
            ('"', &chars.as_str()[1..])
        } else {
            (c, chars.as_str())
        };
        nodes.push(Node::Lit {
            c,
            sep: is_separator(c),
            space: c.is_ascii_whitespace(),
        });
        rest = after;
    }
    nodes
}

/// PostgreSQL's `is_separator_char`: printable ASCII, not a letter or digit.
fn is_separator(c: char) -> bool {
    c.is_ascii_graphic() && !c.is_ascii_alphanumeric()
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
/// Roman month numerals, December first (`rm_months_upper`).
const RM_MONTHS: [&str; 12] = [
    "XII", "XI", "X", "IX", "VIII", "VII", "VI", "V", "IV", "III", "II", "I",
];

/// The broken-down value `to_char` prints (PostgreSQL's `TmToChar`).
struct FmtTm {
    /// Astronomical year for timestamps (0 is 1 BC); whole years of an interval.
    year: i32,
    /// 1..=12 for timestamps; the months left over of an interval.
    mon: i32,
    mday: i32,
    /// Hours; an interval's may exceed 24.
    hour: i64,
    min: i32,
    sec: i32,
    /// Fraction of a second in µs (negative in a negative interval).
    fsec: i64,
    /// Day of the year; for intervals, the total span in 30-day months.
    yday: i32,
    /// Day of the week, 0 = Sunday.
    wday: i32,
    /// Offset east of UTC in seconds (0 for timestamp without time zone).
    gmtoff: i32,
    /// Zone abbreviation, for timestamptz only.
    tzn: Option<String>,
    /// Is this an interval (the calendar fields are then invalid)?
    interval: bool,
}

fn invalid_for_interval() -> DatumError {
    DatumError::InvalidDatetimeFormat("invalid format specification for an interval value".into())
}

/// C's `%0*d`: zero padding to `width`, the sign counted in it.
fn zpad(v: i64, width: usize) -> String {
    if v < 0 {
        format!("-{:0w$}", v.unsigned_abs(), w = width.saturating_sub(1))
    } else {
        format!("{v:0width$}")
    }
}

/// A numeric field: `FM` drops the padding, a negative value gets one
/// more position (PostgreSQL 15's `(x >= 0) ? 2 : 3`).
fn num(v: i64, width: usize, fm: bool) -> String {
    if fm {
        v.to_string()
    } else if v >= 0 {
        zpad(v, width)
    } else {
        zpad(v, width + 1)
    }
}

/// The ordinal suffix for the number ending `s` (`str_numth`).
fn ordinal(s: &str, upper: bool) -> &'static str {
    let b = s.as_bytes();
    let last = b.last().copied().unwrap_or(b'0');
    let teen = b.len() > 1 && b[b.len() - 2] == b'1';
    let suffix = match (teen, last) {
        (false, b'1') => "st",
        (false, b'2') => "nd",
        (false, b'3') => "rd",
        _ => "th",
    };
    if upper {
        match suffix {
            "st" => "ST",
            "nd" => "ND",
            "rd" => "RD",
            _ => "TH",
        }
    } else {
        suffix
    }
}

/// `%-9s` unless in fill mode.
fn pad9(s: &str, fm: bool) -> String {
    if fm { s.to_string() } else { format!("{s:<9}") }
}

/// `DCH_to_char`: prints `tm` through the template.
fn dch_to_char(nodes: &[Node], tm: &FmtTm) -> Result<String, DatumError> {
    let mut out = String::new();
    let adjust_year = |y: i32| {
        if tm.interval || y > 0 { y } else { 1 - y }
    };
    let iso_year = || iso_week_year(tm.year, tm.mon, tm.mday).1;
    for node in nodes {
        let (key, fm, th, names_fm) = match node {
            Node::Lit { c, .. } => {
                out.push(*c);
                continue;
            }
            Node::Key {
                key, fm, tm, th, ..
            } => (*key, *fm, *th, *fm || *tm),
        };
        let calendar_only = matches!(
            key,
            K::TZ
                | K::Ltz
                | K::TZH
                | K::TZM
                | K::OF
                | K::ADots
                | K::AD
                | K::LadDots
                | K::Lad
                | K::MONTH
                | K::Month
                | K::Lmonth
                | K::MON
                | K::Mon
                | K::Lmon
                | K::DAY
                | K::Day
                | K::Lday
                | K::DY
                | K::Dy
                | K::Ldy
                | K::D
                | K::ID
        );
        if calendar_only && tm.interval {
            return Err(invalid_for_interval());
        }
        let pm = tm.hour % 24 >= 12;
        let bc = tm.year <= 0;
        let month = || MONTHS[(tm.mon.clamp(1, 12) - 1) as usize];
        let day = || DAYS[tm.wday.rem_euclid(7) as usize];
        let numeric: Option<String> = match key {
            K::AMDots => {
                out.push_str(if pm { "P.M." } else { "A.M." });
                None
            }
            K::AM => {
                out.push_str(if pm { "PM" } else { "AM" });
                None
            }
            K::LamDots => {
                out.push_str(if pm { "p.m." } else { "a.m." });
                None
            }
            K::Lam => {
                out.push_str(if pm { "pm" } else { "am" });
                None
            }
            K::ADots => {
                out.push_str(if bc { "B.C." } else { "A.D." });
                None
            }
            K::AD => {
                out.push_str(if bc { "BC" } else { "AD" });
                None
            }
            K::LadDots => {
                out.push_str(if bc { "b.c." } else { "a.d." });
                None
            }
            K::Lad => {
                out.push_str(if bc { "bc" } else { "ad" });
                None
            }
            K::HH | K::HH12 => {
                let h = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
                Some(if fm {
                    h.to_string()
                } else {
                    zpad(h, if tm.hour >= 0 { 2 } else { 3 })
                })
            }
            K::HH24 => Some(num(tm.hour, 2, fm)),
            K::MI => Some(num(tm.min.into(), 2, fm)),
            K::SS => Some(num(tm.sec.into(), 2, fm)),
            K::FF(n) => {
                let div = 10i64.pow(6 - u32::from(n));
                Some(zpad(tm.fsec / div, n as usize))
            }
            K::MS => Some(zpad(tm.fsec / 1000, 3)),
            K::US => Some(zpad(tm.fsec, 6)),
            K::SSSS => {
                Some((tm.hour * 3600 + i64::from(tm.min) * 60 + i64::from(tm.sec)).to_string())
            }
            K::TZ | K::Ltz => {
                if let Some(z) = &tm.tzn {
                    if key == K::TZ {
                        out.push_str(z);
                    } else {
                        out.push_str(&z.to_ascii_lowercase());
                    }
                }
                None
            }
            K::TZH => {
                let sign = if tm.gmtoff >= 0 { '+' } else { '-' };
                out.push_str(&format!("{sign}{:02}", tm.gmtoff.abs() / 3600));
                None
            }
            K::TZM => {
                out.push_str(&format!("{:02}", tm.gmtoff.abs() % 3600 / 60));
                None
            }
            K::OF => {
                let sign = if tm.gmtoff >= 0 { '+' } else { '-' };
                let h = i64::from(tm.gmtoff.abs() / 3600);
                out.push(sign);
                out.push_str(&if fm { h.to_string() } else { zpad(h, 2) });
                if tm.gmtoff.abs() % 3600 != 0 {
                    out.push_str(&format!(":{:02}", tm.gmtoff.abs() % 3600 / 60));
                }
                None
            }
            K::MONTH | K::Month | K::Lmonth => {
                if tm.mon != 0 {
                    let m = match key {
                        K::MONTH => month().to_ascii_uppercase(),
                        K::Month => month().to_string(),
                        _ => month().to_ascii_lowercase(),
                    };
                    out.push_str(&pad9(&m, names_fm));
                }
                None
            }
            K::MON | K::Mon | K::Lmon => {
                if tm.mon != 0 {
                    let m = &month()[..3];
                    out.push_str(&match key {
                        K::MON => m.to_ascii_uppercase(),
                        K::Mon => m.to_string(),
                        _ => m.to_ascii_lowercase(),
                    });
                }
                None
            }
            K::MM => Some(num(tm.mon.into(), 2, fm)),
            K::DAY | K::Day | K::Lday => {
                let d = match key {
                    K::DAY => day().to_ascii_uppercase(),
                    K::Day => day().to_string(),
                    _ => day().to_ascii_lowercase(),
                };
                out.push_str(&pad9(&d, names_fm));
                None
            }
            K::DY | K::Dy | K::Ldy => {
                let d = &day()[..3];
                out.push_str(&match key {
                    K::DY => d.to_ascii_uppercase(),
                    K::Dy => d.to_string(),
                    _ => d.to_ascii_lowercase(),
                });
                None
            }
            K::DDD => Some(zpad(tm.yday.into(), if fm { 0 } else { 3 })),
            K::IDDD => {
                let (week, _) = iso_week_year(tm.year, tm.mon, tm.mday);
                let wday = if tm.wday == 0 { 7 } else { tm.wday };
                Some(zpad(
                    i64::from((week - 1) * 7 + wday),
                    if fm { 0 } else { 3 },
                ))
            }
            K::DD => Some(zpad(tm.mday.into(), if fm { 0 } else { 2 })),
            K::D => Some((tm.wday + 1).to_string()),
            K::ID => Some(if tm.wday == 0 { 7 } else { tm.wday }.to_string()),
            K::WW => Some(num(i64::from((tm.yday - 1) / 7 + 1), 2, fm)),
            K::IW => Some(num(iso_week_year(tm.year, tm.mon, tm.mday).0.into(), 2, fm)),
            K::Q => {
                if tm.mon == 0 {
                    None
                } else {
                    Some(((tm.mon - 1) / 3 + 1).to_string())
                }
            }
            K::CC => {
                let c = if tm.interval {
                    tm.year / 100
                } else if tm.year > 0 {
                    (tm.year - 1) / 100 + 1
                } else {
                    tm.year / 100 - 1
                };
                Some(if (-99..=99).contains(&c) {
                    num(c.into(), 2, fm)
                } else {
                    c.to_string()
                })
            }
            K::YComma => {
                let y = adjust_year(tm.year);
                let i = y / 1000;
                Some(format!("{i},{}", zpad(i64::from(y - i * 1000), 3)))
            }
            K::YYYY | K::IYYY | K::YYY | K::IYY | K::YY | K::IY => {
                let y = adjust_year(if matches!(key, K::YYYY | K::YYY | K::YY) {
                    tm.year
                } else {
                    iso_year()
                });
                let (modulus, width) = match key {
                    K::YYYY | K::IYYY => (i32::MAX, 4),
                    K::YYY | K::IYY => (1000, 3),
                    _ => (100, 2),
                };
                let v = i64::from(if modulus == i32::MAX { y } else { y % modulus });
                // The width follows the sign of the calendar year, even for
                // the ISO variants, as PostgreSQL's does.
                let negative = adjust_year(tm.year) < 0;
                Some(if fm {
                    v.to_string()
                } else {
                    zpad(v, width + usize::from(negative))
                })
            }
            K::Y | K::I => {
                let y = adjust_year(if key == K::Y { tm.year } else { iso_year() });
                Some((y % 10).to_string())
            }
            K::RM | K::Lrm => {
                if tm.mon == 0 && tm.year == 0 {
                    None
                } else {
                    let idx = if tm.mon == 0 {
                        if tm.year >= 0 { 0 } else { 11 }
                    } else if tm.mon < 0 {
                        -(tm.mon + 1)
                    } else {
                        12 - tm.mon
                    };
                    let r = RM_MONTHS[idx.clamp(0, 11) as usize];
                    let r = if key == K::RM {
                        r.to_string()
                    } else {
                        r.to_ascii_lowercase()
                    };
                    out.push_str(&if fm { r } else { format!("{r:<4}") });
                    None
                }
            }
            K::W => Some(((tm.mday - 1) / 7 + 1).to_string()),
            K::J => Some(date2j(tm.year, tm.mon, tm.mday).to_string()),
            K::FX => None,
        };
        if let Some(s) = numeric {
            out.push_str(&s);
            if let Some(upper) = th {
                out.push_str(ordinal(&s, upper));
            }
        }
    }
    Ok(out)
}

/// The fields of a finite timestamp's µs (local time).
fn tm_of_timestamp(t: i64) -> FmtTm {
    let tm = timestamp2tm(t);
    let jd = tm.julian();
    FmtTm {
        year: tm.year,
        mon: tm.mon,
        mday: tm.mday,
        hour: tm.hour.into(),
        min: tm.min,
        sec: tm.sec,
        fsec: tm.usec,
        yday: jd - date2j(tm.year, 1, 1) + 1,
        wday: j2day(jd),
        gmtoff: 0,
        tzn: None,
        interval: false,
    }
}

/// `to_char(timestamp, text)`: `None` (SQL NULL) for an infinite
/// timestamp or an empty template, as PostgreSQL.
pub fn timestamp_to_char(t: Timestamp, fmt: &str) -> Result<Option<String>, DatumError> {
    if !t.is_finite() || fmt.is_empty() {
        return Ok(None);
    }
    dch_to_char(&parse_template(fmt), &tm_of_timestamp(t.0)).map(Some)
}

/// `to_char(timestamptz, text)` in the session zone `tz`: `TZ` prints
/// the zone's abbreviation and `OF`/`TZH`/`TZM` its offset.
pub fn timestamptz_to_char(
    t: TimestampTz,
    fmt: &str,
    tz: &TimeZone,
) -> Result<Option<String>, DatumError> {
    if !t.is_finite() || fmt.is_empty() {
        return Ok(None);
    }
    let (off, abbrev) = utc_offset_abbrev_at(tz, t.0);
    let mut tm = tm_of_timestamp(t.0.saturating_add(i64::from(off) * USECS_PER_SEC));
    tm.gmtoff = off;
    tm.tzn = Some(abbrev);
    dch_to_char(&parse_template(fmt), &tm).map(Some)
}

/// `to_char(interval, text)`: years and months from the month count,
/// days as they are, hours unbounded; `None` for an empty template.
pub fn interval_to_char(i: &Interval, fmt: &str) -> Result<Option<String>, DatumError> {
    if fmt.is_empty() {
        return Ok(None);
    }
    let year = i.months / 12;
    let mon = i.months % 12;
    let hour = i.micros / USECS_PER_HOUR;
    let rest = i.micros % USECS_PER_HOUR;
    let tm = FmtTm {
        year,
        mon,
        mday: i.days,
        hour,
        min: (rest / USECS_PER_MINUTE) as i32,
        sec: (rest % USECS_PER_MINUTE / USECS_PER_SEC) as i32,
        fsec: rest % USECS_PER_SEC,
        yday: (year * 12 + mon) * 30 + i.days,
        wday: 0,
        gmtoff: 0,
        tzn: None,
        interval: true,
    };
    dch_to_char(&parse_template(fmt), &tm).map(Some)
}

// ---------------------------------------------------------------------------
// Parsing: to_timestamp / to_date (DCH_from_char, do_to_timestamp)
// ---------------------------------------------------------------------------

/// The fields read from the input (PostgreSQL's `TmFromChar`); 0 is unset.
#[derive(Default)]
struct FromChar {
    /// Which calendar the date fields belong to: 0 none, 1 Gregorian, 2 ISO.
    mode: u8,
    hh: i32,
    pm: i32,
    mi: i32,
    ss: i32,
    ssss: i32,
    d: i32,
    dd: i32,
    ddd: i32,
    mm: i32,
    ms: i32,
    year: i32,
    bc: i32,
    ww: i32,
    w: i32,
    cc: i32,
    j: i32,
    us: i32,
    /// Digits in the year field (YY is 2): years of fewer than 4 digits are
    /// moved near 2020.
    yysz: i32,
    /// 12-hour clock (HH, HH12, AM/PM seen).
    clock12: bool,
    tzsign: i32,
    tzh: i32,
    tzm: i32,
}

fn bad_format(msg: String) -> DatumError {
    DatumError::InvalidDatetimeFormat(msg)
}

/// `from_char_set_int`: a field given twice must agree.
fn set_int(dest: &mut i32, value: i32, name: &str) -> Result<(), DatumError> {
    if *dest != 0 && *dest != value {
        return Err(bad_format(format!(
            "conflicting values for \"{name}\" field in formatting string"
        )));
    }
    *dest = value;
    Ok(())
}

/// `strtol` on a prefix: optional white space and sign, then digits.
/// Returns the value and the bytes used (0 when no digits).
fn strtol(s: &[u8]) -> (i64, usize) {
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    let neg = i < s.len() && s[i] == b'-';
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        i += 1;
    }
    let start = i;
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add(i64::from(s[i] - b'0'));
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    (if neg { -v } else { v }, i)
}

/// Is the node after `k` not a digit field (`is_next_separator`)?
fn next_is_separator(nodes: &[Node], k: usize) -> bool {
    if let Some(Node::Key { th: Some(_), .. }) = nodes.get(k) {
        return true;
    }
    match nodes.get(k + 1) {
        None => true,
        Some(Node::Key { key, .. }) => !key.is_digit(),
        Some(Node::Lit { c, .. }) => !c.is_ascii_digit(),
    }
}

/// The input being read, as bytes with a position.
struct Input<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    fn rest(&self) -> &[u8] {
        &self.s[self.pos.min(self.s.len())..]
    }
    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
}

/// `from_char_parse_int_len`: reads an integer of exactly `len` characters,
/// or as many as there are in fill mode or before a separator.
fn parse_int(
    inp: &mut Input<'_>,
    len: usize,
    nodes: &[Node],
    k: usize,
    name: &str,
    fm: bool,
) -> Result<(i32, usize), DatumError> {
    while !inp.done() && inp.rest()[0].is_ascii_whitespace() {
        inp.pos += 1;
    }
    let rest = inp.rest();
    let copy = &rest[..len.min(rest.len())];
    let shown = String::from_utf8_lossy(copy).into_owned();
    let (v, used) = if fm || next_is_separator(nodes, k) {
        strtol(rest)
    } else {
        if copy.len() < len {
            return Err(bad_format(format!(
                "source string too short for \"{name}\" formatting field"
            )));
        }
        let (v, used) = strtol(copy);
        if used > 0 && used < len {
            return Err(bad_format(format!(
                "invalid value \"{shown}\" for \"{name}\""
            )));
        }
        (v, used)
    };
    if used == 0 {
        return Err(bad_format(format!(
            "invalid value \"{shown}\" for \"{name}\""
        )));
    }
    let v = i32::try_from(v).map_err(|_| {
        DatumError::DatetimeFieldOverflow(format!(
            "value for \"{name}\" in source string is out of range"
        ))
    })?;
    inp.pos += used;
    Ok((v, used))
}

/// `from_char_seq_search`: the index of the first of `words` the input
/// starts with, case-insensitively.
fn seq_search(inp: &mut Input<'_>, words: &[&str], name: &str) -> Result<usize, DatumError> {
    let rest = inp.rest();
    for (i, w) in words.iter().enumerate() {
        if rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes()) {
            inp.pos += w.len();
            return Ok(i);
        }
    }
    let shown: String = String::from_utf8_lossy(rest)
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .to_string();
    Err(bad_format(format!(
        "invalid value \"{shown}\" for \"{name}\""
    )))
}

/// `DCH_from_char`: reads `input` through the template into fields.
fn dch_from_char(nodes: &[Node], input: &str) -> Result<FromChar, DatumError> {
    let mut out = FromChar::default();
    let mut inp = Input {
        s: input.as_bytes(),
        pos: 0,
    };
    let mut fx = false;
    let mut extra_skip: i32 = 0;
    for (k, node) in nodes.iter().enumerate() {
        if inp.done() {
            break;
        }
        let is_fx = matches!(node, Node::Key { key: K::FX, .. });
        if !fx && !is_fx && (matches!(node, Node::Key { .. }) || k == 0) {
            while !inp.done() && inp.rest()[0].is_ascii_whitespace() {
                inp.pos += 1;
                extra_skip += 1;
            }
        }
        let (key, name, fm, th) = match node {
            Node::Lit { sep, space, .. } if *sep || *space => {
                if !fx {
                    extra_skip -= 1;
                    let c = inp.rest()[0];
                    if c.is_ascii_whitespace() || is_separator(char::from(c)) {
                        inp.pos += 1;
                        extra_skip += 1;
                    }
                } else {
                    skip_char(&mut inp);
                }
                continue;
            }
            Node::Lit { .. } => {
                if !fx && extra_skip > 0 {
                    extra_skip -= 1;
                } else {
                    skip_char(&mut inp);
                }
                continue;
            }
            Node::Key {
                key, name, fm, th, ..
            } => (*key, *name, *fm, *th),
        };
        let mode = if key.is_iso() {
            2
        } else if key.is_gregorian() {
            1
        } else {
            0
        };
        if mode != 0 {
            if out.mode != 0 && out.mode != mode {
                return Err(bad_format(
                    "invalid combination of date conventions".to_string(),
                ));
            }
            out.mode = mode;
        }
        let len = name.len();
        match key {
            K::FX => fx = true,
            K::AMDots | K::LamDots => {
                let v = seq_search(&mut inp, &["a.m.", "p.m."], name)?;
                set_int(&mut out.pm, (v % 2) as i32, name)?;
                out.clock12 = true;
            }
            K::AM | K::Lam => {
                let v = seq_search(&mut inp, &["am", "pm"], name)?;
                set_int(&mut out.pm, (v % 2) as i32, name)?;
                out.clock12 = true;
            }
            K::HH | K::HH12 => {
                let (v, _) = parse_int(&mut inp, 2, nodes, k, name, fm)?;
                set_int(&mut out.hh, v, name)?;
                out.clock12 = true;
            }
            K::HH24 => {
                let (v, _) = parse_int(&mut inp, 2, nodes, k, name, fm)?;
                set_int(&mut out.hh, v, name)?;
            }
            K::MI => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.mi, v, name)?;
            }
            K::SS => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.ss, v, name)?;
            }
            K::MS => {
                let (v, used) = parse_int(&mut inp, 3, nodes, k, name, fm)?;
                let scale = match used {
                    1 => 100,
                    2 => 10,
                    _ => 1,
                };
                set_int(&mut out.ms, v * scale, name)?;
            }
            K::FF(_) | K::US => {
                let width = if let K::FF(n) = key {
                    usize::from(n)
                } else {
                    6
                };
                let (v, used) = parse_int(&mut inp, width, nodes, k, name, fm)?;
                let scale = 10i32.pow(6u32.saturating_sub(used as u32));
                set_int(&mut out.us, v.saturating_mul(scale), name)?;
            }
            K::SSSS => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.ssss, v, name)?;
            }
            K::TZ | K::Ltz | K::OF => {
                return Err(DatumError::Other {
                    code: "0A000",
                    message: format!("formatting field \"{name}\" is only supported in to_char"),
                });
            }
            K::TZH => {
                let c = inp.rest()[0];
                if c == b'+' || c == b'-' || c == b' ' {
                    out.tzsign = if c == b'-' { -1 } else { 1 };
                    inp.pos += 1;
                } else if extra_skip > 0 && inp.pos > 0 && inp.s[inp.pos - 1] == b'-' {
                    out.tzsign = -1;
                } else {
                    out.tzsign = 1;
                }
                let (v, _) = parse_int(&mut inp, 2, nodes, k, name, fm)?;
                set_int(&mut out.tzh, v, name)?;
            }
            K::TZM => {
                if out.tzsign == 0 {
                    out.tzsign = 1;
                }
                let (v, _) = parse_int(&mut inp, 2, nodes, k, name, fm)?;
                set_int(&mut out.tzm, v, name)?;
            }
            K::ADots | K::LadDots => {
                let v = seq_search(&mut inp, &["a.d.", "b.c."], name)?;
                set_int(&mut out.bc, (v % 2) as i32, name)?;
            }
            K::AD | K::Lad => {
                let v = seq_search(&mut inp, &["ad", "bc"], name)?;
                set_int(&mut out.bc, (v % 2) as i32, name)?;
            }
            K::MONTH | K::Month | K::Lmonth => {
                let v = seq_search(&mut inp, &MONTHS, name)?;
                set_int(&mut out.mm, v as i32 + 1, name)?;
            }
            K::MON | K::Mon | K::Lmon => {
                let abbrevs: Vec<&str> = MONTHS.iter().map(|m| &m[..3]).collect();
                let v = seq_search(&mut inp, &abbrevs, name)?;
                set_int(&mut out.mm, v as i32 + 1, name)?;
            }
            K::MM => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.mm, v, name)?;
            }
            K::DAY | K::Day | K::Lday => {
                let v = seq_search(&mut inp, &DAYS, name)?;
                set_int(&mut out.d, v as i32 + 1, name)?;
            }
            K::DY | K::Dy | K::Ldy => {
                let abbrevs: Vec<&str> = DAYS.iter().map(|d| &d[..3]).collect();
                let v = seq_search(&mut inp, &abbrevs, name)?;
                set_int(&mut out.d, v as i32 + 1, name)?;
            }
            K::DDD => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.ddd, v, name)?;
            }
            K::IDDD => {
                let (v, _) = parse_int(&mut inp, 3, nodes, k, name, fm)?;
                set_int(&mut out.ddd, v, name)?;
            }
            K::DD => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.dd, v, name)?;
            }
            K::D => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.d, v, name)?;
            }
            K::ID => {
                let (v, _) = parse_int(&mut inp, 1, nodes, k, name, fm)?;
                set_int(&mut out.d, v, name)?;
                out.d += 1;
                if out.d > 7 {
                    out.d = 1;
                }
            }
            K::WW | K::IW => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.ww, v, name)?;
            }
            K::Q => {
                parse_int(&mut inp, len, nodes, k, name, fm)?;
            }
            K::CC => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.cc, v, name)?;
            }
            K::YComma => {
                let (millennia, used) = strtol(inp.rest());
                let after = inp.pos + used;
                let ok = used > 0 && inp.s.get(after) == Some(&b',');
                let (years, used2) = if ok {
                    let tail = &inp.s[after + 1..];
                    strtol(&tail[..tail.len().min(3)])
                } else {
                    (0, 0)
                };
                if !ok || used2 == 0 {
                    return Err(bad_format("invalid input string for \"Y,YYY\"".to_string()));
                }
                let y = i32::try_from(years + millennia * 1000).map_err(|_| {
                    DatumError::DatetimeFieldOverflow(
                        "value for \"Y,YYY\" in source string is out of range".into(),
                    )
                })?;
                set_int(&mut out.year, y, name)?;
                out.yysz = 4;
                inp.pos = after + 1 + used2;
            }
            K::YYYY | K::IYYY => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.year, v, name)?;
                out.yysz = 4;
            }
            K::YYY | K::IYY | K::YY | K::IY | K::Y | K::I => {
                let (v, used) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                let v = if used < 4 { adjust_partial_year(v) } else { v };
                set_int(&mut out.year, v, name)?;
                out.yysz = len as i32;
            }
            K::RM | K::Lrm => {
                let v = seq_search(&mut inp, &RM_MONTHS, name)?;
                set_int(&mut out.mm, 12 - v as i32, name)?;
            }
            K::W => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.w, v, name)?;
            }
            K::J => {
                let (v, _) = parse_int(&mut inp, len, nodes, k, name, fm)?;
                set_int(&mut out.j, v, name)?;
            }
        }
        if th.is_some() && inp.rest().len() >= 2 && inp.rest()[0].is_ascii_alphabetic() {
            inp.pos += 2;
        }
        if !fx {
            extra_skip = 0;
            while !inp.done() && inp.rest()[0].is_ascii_whitespace() {
                inp.pos += 1;
                extra_skip += 1;
            }
        }
    }
    Ok(out)
}

/// Moves past one (UTF-8) character of the input.
fn skip_char(inp: &mut Input<'_>) {
    inp.pos += 1;
    while inp.pos < inp.s.len() && (inp.s[inp.pos] & 0xC0) == 0x80 {
        inp.pos += 1;
    }
}

/// `adjust_partial_year_to_2020`: a year of 1-3 digits is taken near 2020.
fn adjust_partial_year(year: i32) -> i32 {
    if year < 70 {
        year + 2000
    } else if year < 100 {
        year + 1900
    } else if year < 520 {
        year + 2000
    } else if year < 1000 {
        year + 1000
    } else {
        year
    }
}

/// The Julian day of the Monday of ISO week 1 of `year` (`isoweek2j`).
fn isoweek2j(year: i32, week: i32) -> i32 {
    let day4 = date2j(year, 1, 4);
    let day0 = j2day(day4 - 1);
    (week - 1) * 7 + (day4 - day0)
}

/// The date, time, µs and zone offset (seconds east, if given) that
/// `input` denotes under the template (`do_to_timestamp`).
struct Parsed {
    tm: super::Tm,
    tz: Option<i32>,
}

fn do_to_timestamp(input: &str, fmt: &str) -> Result<Parsed, DatumError> {
    let nodes = parse_template(fmt);
    let mut f = dch_from_char(&nodes, input)?;
    let mut tm = super::Tm {
        year: 0,
        mon: 1,
        mday: 1,
        hour: 0,
        min: 0,
        sec: 0,
        usec: 0,
    };
    let overflow = || {
        DatumError::DatetimeFieldOverflow(format!(
            "date/time field value out of range: \"{input}\""
        ))
    };
    if f.ssss != 0 {
        tm.hour = f.ssss / 3600;
        tm.min = f.ssss % 3600 / 60;
        tm.sec = f.ssss % 60;
    }
    if f.ss != 0 {
        tm.sec = f.ss;
    }
    if f.mi != 0 {
        tm.min = f.mi;
    }
    if f.hh != 0 {
        tm.hour = f.hh;
    }
    if f.clock12 {
        if tm.hour < 1 || tm.hour > 12 {
            return Err(bad_format(format!(
                "hour \"{}\" is invalid for the 12-hour clock",
                tm.hour
            )));
        }
        if f.pm != 0 && tm.hour < 12 {
            tm.hour += 12;
        } else if f.pm == 0 && tm.hour == 12 {
            tm.hour = 0;
        }
    }
    let (mut has_year, mut has_mon, mut has_day) = (false, false, false);
    if f.year != 0 {
        if f.cc != 0 && f.yysz <= 2 {
            if f.bc != 0 {
                f.cc = -f.cc;
            }
            tm.year = f.year % 100;
            if tm.year != 0 {
                if f.cc >= 0 {
                    tm.year += (f.cc - 1) * 100;
                } else {
                    tm.year = (f.cc + 1) * 100 - tm.year + 1;
                }
            } else {
                tm.year = f.cc * 100 + if f.cc >= 0 { 0 } else { 1 };
            }
        } else {
            tm.year = f.year;
            if f.bc != 0 {
                tm.year = -tm.year;
            }
            if tm.year < 0 {
                tm.year += 1;
            }
        }
        has_year = true;
    } else if f.cc != 0 {
        if f.bc != 0 {
            f.cc = -f.cc;
        }
        tm.year = if f.cc >= 0 {
            (f.cc - 1) * 100 + 1
        } else {
            f.cc * 100 + 1
        };
        has_year = true;
    }
    if f.j != 0 {
        let (y, m, d) = j2date(f.j);
        (tm.year, tm.mon, tm.mday) = (y, m, d);
        (has_year, has_mon, has_day) = (true, true, true);
    }
    if f.ww != 0 {
        if f.mode == 2 {
            let j = if f.d != 0 {
                // ISO day of week: Monday 1 .. Sunday 7 (d is Sunday = 1).
                let iso_d = if f.d == 1 { 7 } else { f.d - 1 };
                isoweek2j(tm.year, f.ww) + iso_d - 1
            } else {
                isoweek2j(tm.year, f.ww)
            };
            let (y, m, d) = j2date(j);
            (tm.year, tm.mon, tm.mday) = (y, m, d);
            (has_year, has_mon, has_day) = (true, true, true);
        } else {
            f.ddd = (f.ww - 1) * 7 + 1;
        }
    }
    if f.w != 0 {
        f.dd = (f.w - 1) * 7 + 1;
    }
    if f.dd != 0 {
        tm.mday = f.dd;
        has_day = true;
    }
    if f.mm != 0 {
        tm.mon = f.mm;
        has_mon = true;
    }
    if f.ddd != 0 && (tm.mon <= 1 || tm.mday <= 1) {
        if tm.year == 0 && f.bc == 0 {
            return Err(bad_format(
                "cannot calculate day of year without year information".to_string(),
            ));
        }
        if f.mode == 2 {
            let j0 = isoweek2j(tm.year, 1) - 1;
            let (y, m, d) = j2date(j0 + f.ddd);
            (tm.year, tm.mon, tm.mday) = (y, m, d);
            (has_year, has_mon, has_day) = (true, true, true);
        } else {
            let mut before = 0;
            let mut month = 1;
            while month < 12 && f.ddd > before + days_in_month(tm.year, month) {
                before += days_in_month(tm.year, month);
                month += 1;
            }
            if tm.mon <= 1 {
                tm.mon = month;
            }
            if tm.mday <= 1 {
                tm.mday = f.ddd - before;
            }
            (has_mon, has_day) = (true, true);
        }
    }
    tm.usec = i64::from(f.ms) * 1000 + i64::from(f.us);
    if has_mon && !(1..=12).contains(&tm.mon) {
        return Err(overflow());
    }
    if has_day && !(1..=31).contains(&tm.mday) {
        return Err(overflow());
    }
    if has_year && has_mon && has_day && tm.mday > days_in_month(tm.year, tm.mon) {
        return Err(overflow());
    }
    if !(0..24).contains(&tm.hour)
        || !(0..60).contains(&tm.min)
        || !(0..60).contains(&tm.sec)
        || !(0..USECS_PER_SEC).contains(&tm.usec)
    {
        return Err(overflow());
    }
    let tz = (f.tzsign != 0).then(|| f.tzsign * (f.tzh * 3600 + f.tzm * 60));
    Ok(Parsed { tm, tz })
}

/// `to_timestamp(text, text)`: local time in the session zone `tz` unless
/// the input gives an offset (`TZH`/`TZM`).
pub fn to_timestamp(input: &str, fmt: &str, tz: &TimeZone) -> Result<TimestampTz, DatumError> {
    let p = do_to_timestamp(input, fmt)?;
    let local = tm2timestamp(&p.tm)?;
    match p.tz {
        Some(east) => {
            let utc = local
                .checked_sub(i64::from(east) * USECS_PER_SEC)
                .ok_or_else(super::timestamp_out_of_range)?;
            if !super::is_valid_timestamp(utc) {
                return Err(super::timestamp_out_of_range());
            }
            Ok(TimestampTz(utc))
        }
        None => timestamp_to_timestamptz(Timestamp(local), tz),
    }
}

/// `to_date(text, text)`: the date part of what the template reads.
pub fn to_date(input: &str, fmt: &str) -> Result<Date, DatumError> {
    let p = do_to_timestamp(input, fmt)?;
    let out_of_range =
        || DatumError::DatetimeFieldOverflow(format!("date out of range: \"{input}\""));
    if !is_valid_julian(p.tm.year, p.tm.mon, p.tm.mday) {
        return Err(out_of_range());
    }
    let d = i64::from(date2j(p.tm.year, p.tm.mon, p.tm.mday)) - i64::from(POSTGRES_EPOCH_JDATE);
    if !super::is_valid_date(d) {
        return Err(out_of_range());
    }
    Ok(Date(d as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).expect("timestamp")
    }

    fn show(t: Timestamp, fmt: &str) -> String {
        timestamp_to_char(t, fmt)
            .expect("to_char")
            .unwrap_or_default()
    }

    // Expected values from PostgreSQL 15.
    #[test]
    fn timestamp_patterns() {
        let t = ts("2024-02-29 13:05:09.123456");
        for (fmt, want) in [
            ("YYYY-MM-DD HH24:MI:SS", "2024-02-29 13:05:09"),
            (
                "Day DD Mon YYYY HH12:MI:SS AM US",
                "Thursday  29 Feb 2024 01:05:09 PM 123456",
            ),
            ("FMDay, FMDDth FMMonth", "Thursday, 29th February"),
            ("DDD IW IYYY WW Q J", "060 09 2024 09 1 2460370"),
            ("MS FF1 FF3 FF6", "123 1 123 123456"),
            ("\"Quarter\" Q, \\\"CC\\\"", "Quarter 1, \"21\""),
            ("YYY YY Y Y,YYY", "024 24 4 2,024"),
            ("dy Dy DY mon MON month", "thu Thu THU feb FEB february "),
            ("a.m. P.M. pm", "p.m. P.M. pm"),
        ] {
            assert_eq!(show(t, fmt), want, "{fmt}");
        }
        assert_eq!(
            show(ts("2021-01-01"), "IYYY-IW-ID DDDth"),
            "2020-53-5 001st"
        );
        assert_eq!(show(ts("0044-03-15 BC"), "YYYY BC CC"), "0044 BC -01");
    }

    #[test]
    fn interval_patterns() {
        let iv = Interval::parse("1 year 2 months 3 days 04:05:06.789").expect("iv");
        assert_eq!(
            interval_to_char(&iv, "YYYY MM DD HH24 MI SS MS")
                .expect("to_char")
                .unwrap_or_default(),
            "0001 02 03 04 05 06 789"
        );
        assert!(interval_to_char(&iv, "Day").is_err());
        // The ISO year's width follows the sign of the calendar year.
        let neg = Interval::parse("-5 days").expect("iv");
        assert_eq!(
            interval_to_char(&neg, "Y,YYY YYY YY Y IYYY")
                .expect("to_char")
                .unwrap_or_default(),
            "0,000 000 00 0 -001"
        );
    }

    #[test]
    fn parse_direction() {
        let d = to_date("2024-02-29", "YYYY-MM-DD").expect("date");
        assert_eq!(d.to_string(), "2024-02-29");
        assert!(to_date("2023-02-29", "YYYY-MM-DD").is_err());
        let d = to_date("05 Dec 2000", "DD Mon YYYY").expect("date");
        assert_eq!(d.to_string(), "2000-12-05");
        let t =
            to_timestamp("2024-01-15 01:30 PM", "YYYY-MM-DD HH:MI AM", &TimeZone::UTC).expect("ts");
        assert_eq!(t.format(&TimeZone::UTC), "2024-01-15 13:30:00+00");
    }
}

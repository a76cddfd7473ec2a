//! Dates, times, timestamps and intervals, as PostgreSQL 15 stores, reads,
//! prints and computes them.
//!
//! # Representation
//!
//! Every type is the integer PostgreSQL itself keeps (`src/include/datatype/timestamp.h`):
//!
//! ```text
//! type          Rust                      meaning                                  wire/disk (big-endian)
//! date          Date(i32)                 days since 2000-01-01                    i32
//! time          Time(i64)                 µs since midnight, 0..=86_400_000_000    i64
//! timestamp     Timestamp(i64)            µs since 2000-01-01 00:00:00             i64
//! timestamptz   TimestampTz(i64)          µs since 2000-01-01 00:00:00 UTC         i64
//! interval      Interval{months,days,µs}  three fields kept apart                  i64 µs, i32 days, i32 months
//! ```
//!
//! Infinity: `Date(i32::MAX)` / `Date(i32::MIN)` are `infinity` / `-infinity`
//! (PostgreSQL's `DATEVAL_NOEND` / `DATEVAL_NOBEGIN`), and `i64::MAX` /
//! `i64::MIN` play the same role for the two timestamp types. Finite values
//! are limited to PostgreSQL's ranges: dates from 4714-11-24 BC to
//! 5874897-12-31 AD, timestamps from 4714-11-24 BC to 294276-12-31 AD.
//! Years are astronomical internally (year 0 is 1 BC), as in PostgreSQL's
//! `pg_tm`.
//!
//! Because the encodings equal PostgreSQL's, the binary wire format and the
//! on-disk bytes are these integers (`write_binary` / `read_binary`).
//!
//! # Time zones
//!
//! A session's `TimeZone` setting is a [`jiff::tz::TimeZone`] (see
//! [`parse_time_zone`]). Local times in a gap of a DST transition take the
//! offset from before the transition, and ambiguous local times take the
//! offset from after it, as PostgreSQL's `DetermineTimeZoneOffset` does.
//! Instants after jiff's range (year 9999) are shifted back by whole
//! 400-year cycles, so the zone's final DST rule keeps applying, as in
//! PostgreSQL; instants before year -9999 use the zone's earliest offset.
//!
//! # Interface routines
//!
//! ```text
//! Date/Time/Timestamp::parse(s)          text input; now/today use UTC (parse_in(s, tz) uses the session zone)
//! TimestampTz::parse(s, tz)              text input; zoneless text is local time in tz
//! Display / TimestampTz::format(tz)      text output, DateStyle ISO, IntervalStyle postgres
//! write_binary / read_binary             wire and disk form
//! parse_time_zone(name)                  SET TIME ZONE
//! parse_at_time_zone, time_zone_from_interval   AT TIME ZONE (then the casts below)
//! date_to_timestamp, timestamp_to_date, timestamp_to_timestamptz,
//!   timestamptz_to_timestamp, timestamp_to_time                        casts
//! timestamp(tz)_add/sub_interval, timestamp(tz)_sub_timestamp(tz),
//!   date_add_days, date_sub_date, date_add_time, date_add_interval,
//!   time_add/sub_interval, time_sub_time, timestamp(tz)_age            operators
//! interval_add/sub/neg, interval_mul_f64/div_f64, justify_*           interval maths
//! extract / extract_value, date_trunc / date_trunc_tz                  functions
//! make_date/time/timestamp(tz)/interval, timestamptz_from_unix        constructors
//! ```
//!
//! Errors carry PostgreSQL's SQLSTATEs: 22007 unreadable text, 22008 field
//! or range overflow (`timestamp out of range` included, as PostgreSQL
//! does), 22009 bad zone displacement, 22015 interval field overflow, 22023
//! unknown unit or zone, 0A000 unit not supported for the type, 22012
//! division by zero.
//!
//! # Files
//!
//! * `mod.rs`: types, calendar arithmetic, conversions, interval maths, time zones, binary.
//! * `parse.rs`: text input (`ParseDateTime` / `DecodeDateTime` / `DecodeInterval`).
//! * `format.rs`: text output (DateStyle ISO, IntervalStyle postgres).
//! * `extract.rs`: `EXTRACT` / `date_part` and `date_trunc`.
//! * `make.rs`: `make_*` constructors and `to_timestamp(float8)`.
//! * `tests.rs`, `test_cases.rs`: table-driven tests; every expected value
//!   was produced by PostgreSQL 15.
//!
//! # Not done
//!
//! * `timetz`; the `interval` field typmods (`YEAR TO MONTH`, ...). Precision
//!   typmods are the `round_to_precision` methods; parsing the typmod is the caller's.
//! * DateStyles other than `ISO, MDY` and IntervalStyles other than `postgres`.
//! * Julian-day input (`J2451187`), ISO week-date input, the ISO 8601
//!   "alternative" interval format (`P0001-02-03T04:05:06`), SQL-standard
//!   interval sign propagation (only relevant to IntervalStyle sql_standard).
//! * Only a short fixed table of time-zone abbreviations (`EST`, `PST`, `CEST`, ...)
//!   in timestamp input, not PostgreSQL's `timezone_abbreviations` file;
//!   full names come from the IANA database (bundled, so no /usr/share/zoneinfo needed).
//! * In `SET TIME ZONE`: the `INTERVAL '...' HOUR TO MINUTE` form; POSIX
//!   strings are handed to jiff's POSIX parser, which may differ from
//!   PostgreSQL's at the edges.
//! * `EXTRACT` of an infinite value returns `Infinity`/`-Infinity`/NULL only
//!   through [`extract_value`]; [`extract`] reports it as a 0A000 error.

mod extract;
mod format;
pub mod formatting;
mod make;
mod parse;
#[cfg(test)]
#[rustfmt::skip]
mod test_cases;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

use crate::datum::DatumError;

pub use extract::{DateTimeValue, ExtractValue, date_trunc, date_trunc_tz, extract, extract_value};
pub use make::{
    make_date, make_interval, make_time, make_timestamp, make_timestamptz, timestamptz_from_unix,
};

/// Days since 2000-01-01; `i32::MIN` is `-infinity`, `i32::MAX` is `infinity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);
/// Microseconds since midnight, `0..=86_400_000_000` (`24:00:00` is allowed, as in PostgreSQL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub i64);
/// Microseconds since 2000-01-01 00:00:00, no time zone; `i64::MIN`/`i64::MAX` are ∓infinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);
/// Microseconds since 2000-01-01 00:00:00 UTC; `i64::MIN`/`i64::MAX` are ∓infinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimestampTz(pub i64);
/// Months, days and microseconds, kept apart as PostgreSQL does.
///
/// Equality, ordering and hashing follow PostgreSQL's `interval_cmp`: the
/// span is compared with a month counted as 30 days and a day as 24 hours,
/// so `'1 mon' = '30 days'`.
#[derive(Clone, Copy, Debug)]
pub struct Interval {
    /// Whole months.
    pub months: i32,
    /// Whole days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

pub(crate) const USECS_PER_SEC: i64 = 1_000_000;
pub(crate) const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
pub(crate) const USECS_PER_HOUR: i64 = 3600 * USECS_PER_SEC;
pub(crate) const USECS_PER_DAY: i64 = 86_400 * USECS_PER_SEC;
pub(crate) const SECS_PER_DAY: i64 = 86_400;
pub(crate) const DAYS_PER_MONTH: i32 = 30;
/// Julian day number of 2000-01-01.
pub(crate) const POSTGRES_EPOCH_JDATE: i32 = 2_451_545;
/// Julian day number of 1970-01-01.
pub(crate) const UNIX_EPOCH_JDATE: i32 = 2_440_588;
/// First valid Julian day (4714-11-24 BC).
const DATETIME_MIN_JULIAN: i32 = 0;
/// Julian day after the last valid date (5874898-01-01).
const DATE_END_JULIAN: i32 = 2_147_483_494;
/// Julian day after the last valid timestamp (294277-01-01).
pub(crate) const TIMESTAMP_END_JULIAN: i32 = 109_203_528;
/// First valid timestamp, 4714-11-24 00:00:00 BC.
const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
/// First invalid timestamp past the end, 294277-01-01 00:00:00.
const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;

pub(crate) fn timestamp_out_of_range() -> DatumError {
    DatumError::DatetimeFieldOverflow("timestamp out of range".into())
}
pub(crate) fn date_out_of_range() -> DatumError {
    DatumError::DatetimeFieldOverflow("date out of range".into())
}
pub(crate) fn interval_out_of_range() -> DatumError {
    DatumError::DatetimeFieldOverflow("interval out of range".into())
}

// ---------------------------------------------------------------------------
// Calendar arithmetic (PostgreSQL's date2j / j2date / j2day)
// ---------------------------------------------------------------------------

/// Julian day number of a proleptic Gregorian date (astronomical year).
pub(crate) fn date2j(year: i32, month: i32, day: i32) -> i32 {
    let (mut y, mut m) = (year as i64, month as i64);
    if m > 2 {
        m += 1;
        y += 4800;
    } else {
        m += 13;
        y += 4799;
    }
    let century = y / 100;
    let julian = y * 365 - 32167 + y / 4 - century + century / 4 + 7834 * m / 256 + day as i64;
    julian as i32
}

/// Year (astronomical), month and day of a Julian day number.
pub(crate) fn j2date(jd: i32) -> (i32, i32, i32) {
    let mut julian = jd as i64 as u64 as u32 as i64; // PostgreSQL uses unsigned int
    julian += 32044;
    let mut quad = julian / 146097;
    let extra = (julian - quad * 146097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146097;
    quad = julian / 1461;
    julian -= quad * 1461;
    let mut y = julian * 4 / 1461;
    julian = if y != 0 {
        (julian + 305) % 365
    } else {
        (julian + 306) % 366
    } + 123;
    y += quad * 4;
    let year = y - 4800;
    let quad = julian * 2141 / 65536;
    let day = julian - 7834 * quad / 256;
    let month = (quad + 10) % 12 + 1;
    (year as i32, month as i32, day as i32)
}

/// Day of the week of a Julian day: 0 = Sunday.
pub(crate) fn j2day(jd: i32) -> i32 {
    (jd as i64 + 1).rem_euclid(7) as i32
}

pub(crate) fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(crate) fn days_in_month(year: i32, month: i32) -> i32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// PostgreSQL's `IS_VALID_JULIAN`: is the date within the Julian-day range?
pub(crate) fn is_valid_julian(y: i32, m: i32, _d: i32) -> bool {
    (y > -4713 || (y == -4713 && m >= 11)) && y < 5_874_898
}

pub(crate) fn is_valid_date(d: i64) -> bool {
    d >= (DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE) as i64
        && d < (DATE_END_JULIAN - POSTGRES_EPOCH_JDATE) as i64
}

pub(crate) fn is_valid_timestamp(t: i64) -> bool {
    (MIN_TIMESTAMP..END_TIMESTAMP).contains(&t)
}

/// Broken-down time of a timestamp: (year, month, day, hour, minute, second, µs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tm {
    pub year: i32,
    pub mon: i32,
    pub mday: i32,
    pub hour: i32,
    pub min: i32,
    pub sec: i32,
    pub usec: i64,
}

impl Tm {
    pub(crate) fn julian(&self) -> i32 {
        date2j(self.year, self.mon, self.mday)
    }
}

/// Splits finite microseconds since 2000-01-01 into fields (`timestamp2tm`).
pub(crate) fn timestamp2tm(t: i64) -> Tm {
    let date = t.div_euclid(USECS_PER_DAY);
    let time = t.rem_euclid(USECS_PER_DAY);
    let (year, mon, mday) = j2date((date + POSTGRES_EPOCH_JDATE as i64) as i32);
    Tm {
        year,
        mon,
        mday,
        hour: (time / USECS_PER_HOUR) as i32,
        min: (time / USECS_PER_MINUTE % 60) as i32,
        sec: (time / USECS_PER_SEC % 60) as i32,
        usec: time % USECS_PER_SEC,
    }
}

/// Joins fields into microseconds since 2000-01-01 (`tm2timestamp`), checking range.
pub(crate) fn tm2timestamp(tm: &Tm) -> Result<i64, DatumError> {
    if !is_valid_julian(tm.year, tm.mon, tm.mday) {
        return Err(timestamp_out_of_range());
    }
    let date = (tm.julian() - POSTGRES_EPOCH_JDATE) as i64;
    let time =
        ((tm.hour as i64 * 60 + tm.min as i64) * 60 + tm.sec as i64) * USECS_PER_SEC + tm.usec;
    let t = date
        .checked_mul(USECS_PER_DAY)
        .and_then(|d| d.checked_add(time))
        .ok_or_else(timestamp_out_of_range)?;
    if !is_valid_timestamp(t) {
        return Err(timestamp_out_of_range());
    }
    Ok(t)
}

// ---------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------

/// Microseconds between 1970-01-01 and 2000-01-01.
const UNIX_TO_PG_USECS: i64 = (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) as i64 * USECS_PER_DAY;
/// Seconds bounds of jiff's timestamp range, kept a day inside it.
const JIFF_MIN_SECS: i64 = -377_705_116_800 + SECS_PER_DAY;
const JIFF_MAX_SECS: i64 = 253_402_207_200 - SECS_PER_DAY;
/// Seconds in 400 Gregorian years.
const CYCLE_400Y_SECS: i64 = 146_097 * SECS_PER_DAY;

/// UTC offset in seconds (east positive) of `tz` at the UTC instant `utc` (µs since 2000).
pub(crate) fn utc_offset_at(tz: &TimeZone, utc: i64) -> i32 {
    match jiff_instant(utc) {
        Some(ts) => tz.to_offset(ts).seconds(),
        None => 0,
    }
}

/// The offset (seconds east) and abbreviation (`CET`, `EST`, `UTC`) of
/// `tz` at the UTC instant `utc`, for `to_char`'s `TZ` and `OF`.
pub(crate) fn utc_offset_abbrev_at(tz: &TimeZone, utc: i64) -> (i32, String) {
    match jiff_instant(utc) {
        Some(ts) => {
            let info = tz.to_offset_info(ts);
            (info.offset().seconds(), info.abbreviation().to_string())
        }
        None => (0, String::new()),
    }
}

/// The jiff instant whose offset stands for `utc` (µs since 2000): instants
/// past jiff's range move back by 400-year cycles, earlier ones clamp.
fn jiff_instant(utc: i64) -> Option<jiff::Timestamp> {
    let mut unix_secs =
        (utc.div_euclid(USECS_PER_SEC)).saturating_add(UNIX_TO_PG_USECS / USECS_PER_SEC);
    if unix_secs > JIFF_MAX_SECS {
        // The Gregorian calendar repeats every 400 years, and so do the
        // POSIX DST rules PostgreSQL applies to the far future.
        let cycles = (unix_secs - JIFF_MAX_SECS) / CYCLE_400Y_SECS + 1;
        unix_secs -= cycles * CYCLE_400Y_SECS;
    }
    let unix_secs = unix_secs.clamp(JIFF_MIN_SECS, JIFF_MAX_SECS);
    jiff::Timestamp::from_second(unix_secs).ok()
}

/// UTC offset in seconds (east positive) to apply to the local time `local`
/// (µs since 2000) in `tz`, resolving gaps and folds as PostgreSQL's
/// `DetermineTimeZoneOffset` does.
pub(crate) fn local_offset(tz: &TimeZone, local: i64) -> i32 {
    let secs = local.div_euclid(USECS_PER_SEC);
    let tm = timestamp2tm(secs.saturating_mul(USECS_PER_SEC));
    let mut year = tm.year;
    if year > 9998 {
        year -= ((year - 9998) / 400 + 1) * 400;
    }
    let dt = if year < -9998 {
        // Outside jiff's civil range: use the offset at the clamped instant.
        return utc_offset_at(tz, local);
    } else {
        jiff::civil::DateTime::new(
            year as i16,
            tm.mon as i8,
            tm.mday as i8,
            tm.hour as i8,
            tm.min as i8,
            tm.sec as i8,
            0,
        )
    };
    let Ok(dt) = dt else {
        return utc_offset_at(tz, local);
    };
    match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.seconds(),
        AmbiguousOffset::Gap { before, .. } => before.seconds(),
        AmbiguousOffset::Fold { after, .. } => after.seconds(),
    }
}

/// Local time (µs since 2000) in `tz` → UTC instant, with range checks.
pub(crate) fn local_to_utc(local: i64, tz: &TimeZone) -> Result<i64, DatumError> {
    let off = local_offset(tz, local) as i64 * USECS_PER_SEC;
    let t = local.checked_sub(off).ok_or_else(timestamp_out_of_range)?;
    if !is_valid_timestamp(t) {
        return Err(timestamp_out_of_range());
    }
    Ok(t)
}

/// Parses a `TimeZone` setting value as PostgreSQL's `SET TIME ZONE` does.
///
/// Accepted: IANA names, case-insensitively (`Europe/Berlin`, `UTC`,
/// `Etc/UTC`, `GMT`, `EST5EDT`); a plain number of hours, which
/// PostgreSQL reads as an ISO offset (`-8` is UTC−8, `5.5` is UTC+5:30, `+05` is UTC+5);
/// `±HH:MM[:SS]`, which PostgreSQL reads as POSIX strings with
/// the sign inverted (`+05:30` is UTC−5:30); POSIX strings such as `UTC+3`
/// (UTC−3) or `<+03>-3` via jiff. Not supported: the `INTERVAL '...' HOUR TO MINUTE` form.
pub fn parse_time_zone(name: &str) -> Result<TimeZone, DatumError> {
    let trimmed = name.trim();
    let bad = || DatumError::InvalidParameterValue(format!("time zone \"{name}\" not recognized"));
    if trimmed.is_empty() {
        return Err(bad());
    }
    // A plain number: hours east of UTC.
    let numeric = trimmed
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+');
    if let (true, Ok(hours)) = (numeric, trimmed.parse::<f64>()) {
        let secs = (hours * 3600.0).round();
        if secs.is_nan() || secs.abs() >= 26.0 * 3600.0 {
            return Err(DatumError::InvalidParameterValue(format!(
                "invalid value for parameter \"TimeZone\": \"{name}\""
            )));
        }
        return fixed_tz(secs as i32).ok_or_else(bad);
    }
    if let Ok(tz) = jiff::tz::db().get(trimmed) {
        return Ok(tz);
    }
    // "+05:30", "-0800": POSIX offsets, sign inverted (west positive).
    let b = trimmed.as_bytes();
    if b[0] == b'+' || b[0] == b'-' {
        if let Some(secs) = parse_hms_offset(&trimmed[1..]) {
            let east = if b[0] == b'+' { -secs } else { secs };
            return fixed_tz(east).ok_or_else(bad);
        }
        return Err(bad());
    }
    if !(b[0].is_ascii_alphabetic() || b[0] == b'<') {
        return Err(bad());
    }
    TimeZone::posix(trimmed)
        .ok()
        .or_else(|| posix_fixed(trimmed))
        .ok_or_else(bad)
}

/// A POSIX zone string without DST rules, `NAME±HH[:MM[:SS]]`, with
/// PostgreSQL's tolerance for short names (`am-05:30`): the sign is
/// inverted, so `-05:30` is five and a half hours east of UTC.
pub(crate) fn posix_fixed(s: &str) -> Option<TimeZone> {
    let split = s.find(['+', '-'])?;
    let (name, rest) = s.split_at(split);
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let secs = parse_hms_offset(&rest[1..])?;
    fixed_tz(if rest.starts_with('-') { secs } else { -secs })
}

/// Parses the zone of `AT TIME ZONE 'text'` (`timestamptz_zone` /
/// `timestamp_zone`), which differs from `SET TIME ZONE`: the common
/// abbreviations (`EST`, `PST`, `CEST`, `Z`, ...) are accepted, and numeric
/// offsets are POSIX-style, sign inverted (`'+05'` and `'5'` are UTC−5,
/// `'-05:30'` is UTC+5:30). 22023 `time zone "x" not recognized` otherwise.
pub fn parse_at_time_zone(name: &str) -> Result<TimeZone, DatumError> {
    let trimmed = name.trim();
    let bad = || DatumError::InvalidParameterValue(format!("time zone \"{name}\" not recognized"));
    if let Some(east) = parse::tz_abbrev(&trimmed.to_ascii_lowercase()) {
        return fixed_tz(east).ok_or_else(bad);
    }
    if trimmed.is_empty() {
        return Err(bad());
    }
    if let Ok(tz) = jiff::tz::db().get(trimmed) {
        return Ok(tz);
    }
    let (sign, body) = match trimmed.as_bytes()[0] {
        b'+' => (1, &trimmed[1..]),
        b'-' => (-1, &trimmed[1..]),
        _ => (1, trimmed),
    };
    if body.as_bytes().first().is_some_and(|b| b.is_ascii_digit()) {
        let secs = parse_posix_offset(body).ok_or_else(bad)?;
        return fixed_tz(-sign * secs).ok_or_else(bad);
    }
    TimeZone::posix(trimmed)
        .ok()
        .or_else(|| posix_fixed(trimmed))
        .ok_or_else(bad)
}

/// `AT TIME ZONE interval`: a fixed offset east of UTC; 22023 if the
/// interval has months or days.
pub fn time_zone_from_interval(i: &Interval) -> Result<TimeZone, DatumError> {
    if i.months != 0 || i.days != 0 {
        return Err(DatumError::InvalidParameterValue(format!(
            "interval time zone \"{i}\" must not include months or days"
        )));
    }
    i32::try_from(i.micros / USECS_PER_SEC)
        .ok()
        .and_then(fixed_tz)
        .ok_or_else(|| {
            DatumError::InvalidParameterValue(format!("interval time zone \"{i}\" out of range"))
        })
}

/// POSIX `hh[:mm[:ss]]` with hours up to 24 (the offset part of a POSIX zone).
fn parse_posix_offset(s: &str) -> Option<i32> {
    let mut parts = s.split(':');
    let mut num = |max: i32| -> Option<Option<i32>> {
        match parts.next() {
            None => Some(None),
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                let v: i32 = p.parse().ok()?;
                (v <= max).then_some(Some(v))
            }
            Some(_) => None,
        }
    };
    let h = num(24 * 7)??;
    let m = num(59)?.unwrap_or(0);
    let sec = num(59)?.unwrap_or(0);
    if parts.next().is_some() {
        return None;
    }
    Some(h * 3600 + m * 60 + sec)
}

/// `HH[:MM[:SS]]` or `HHMM` → seconds.
fn parse_hms_offset(s: &str) -> Option<i32> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let num = |p: &str| p.parse::<i32>().ok();
    let (h, m, sec) = if parts.len() == 1 && parts[0].len() > 2 {
        let v = num(parts[0])?;
        (v / 100, v % 100, 0)
    } else {
        (
            num(parts[0])?,
            parts.get(1).map_or(Some(0), |p| num(p))?,
            parts.get(2).map_or(Some(0), |p| num(p))?,
        )
    };
    if h > 15 || m > 59 || sec > 59 {
        return None;
    }
    Some(h * 3600 + m * 60 + sec)
}

pub(crate) fn fixed_tz(east_secs: i32) -> Option<TimeZone> {
    Offset::from_seconds(east_secs).ok().map(TimeZone::fixed)
}

// ---------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------

pub(crate) fn now_micros() -> i64 {
    let ts = jiff::Timestamp::now();
    ts.as_microsecond() - UNIX_TO_PG_USECS
}

impl Date {
    /// `-infinity`.
    pub const NEG_INFINITY: Date = Date(i32::MIN);
    /// `infinity`.
    pub const INFINITY: Date = Date(i32::MAX);

    /// Reads `date` input text (`date_in`); `today` and friends use UTC.
    pub fn parse(s: &str) -> Result<Date, DatumError> {
        parse::parse_date(s, &TimeZone::UTC)
    }

    /// Reads `date` input text; `now`/`today`/`tomorrow`/`yesterday` use the session zone `tz`.
    pub fn parse_in(s: &str, tz: &TimeZone) -> Result<Date, DatumError> {
        parse::parse_date(s, tz)
    }

    /// Year (astronomical: 0 is 1 BC), month and day of a finite date.
    /// Infinite dates give the fields of their raw day number; check [`Date::is_finite`].
    pub fn to_ymd(self) -> (i32, u32, u32) {
        let (y, m, d) = j2date(self.0.wrapping_add(POSTGRES_EPOCH_JDATE));
        (y, m as u32, d as u32)
    }

    /// The date of year (astronomical), month and day; 22008 if the fields
    /// are invalid or the date out of range.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Result<Date, DatumError> {
        if !(1..=12).contains(&m) || d < 1 || d as i32 > days_in_month(y, m as i32) {
            return Err(DatumError::DatetimeFieldOverflow(format!(
                "date field value out of range: {y}-{m:02}-{d:02}"
            )));
        }
        if !is_valid_julian(y, m as i32, d as i32) {
            return Err(date_out_of_range());
        }
        let v = date2j(y, m as i32, d as i32) as i64 - POSTGRES_EPOCH_JDATE as i64;
        if !is_valid_date(v) {
            return Err(date_out_of_range());
        }
        Ok(Date(v as i32))
    }

    /// Neither `infinity` nor `-infinity`.
    pub fn is_finite(self) -> bool {
        self.0 != i32::MIN && self.0 != i32::MAX
    }

    /// Today's date in `tz`.
    pub fn today(tz: &TimeZone) -> Date {
        timestamp_to_date(timestamptz_to_timestamp(TimestampTz::now(), tz))
    }

    /// Appends the binary wire form (big-endian i32).
    pub fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_be_bytes());
    }

    /// Reads the binary wire form.
    pub fn read_binary(buf: &[u8]) -> Result<Self, DatumError> {
        Ok(Date(i32::from_be_bytes(fixed_bytes(buf, "date")?)))
    }
}

fn fixed_bytes<const N: usize>(buf: &[u8], ty: &str) -> Result<[u8; N], DatumError> {
    buf.try_into().map_err(|_| {
        DatumError::InvalidBinaryRepresentation(format!(
            "invalid binary {ty}: expected {N} bytes, got {}",
            buf.len()
        ))
    })
}

impl Time {
    /// Reads `time` input text (`time_in`); a date or zone in the text is ignored.
    pub fn parse(s: &str) -> Result<Time, DatumError> {
        parse::parse_time(s, &TimeZone::UTC)
    }

    /// Reads `time` input text; `now` uses the session zone `tz`.
    pub fn parse_in(s: &str, tz: &TimeZone) -> Result<Time, DatumError> {
        parse::parse_time(s, tz)
    }

    /// Appends the binary wire form (big-endian i64 µs).
    pub fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_be_bytes());
    }

    /// Reads the binary wire form; 22008 if outside `00:00:00..=24:00:00`.
    pub fn read_binary(buf: &[u8]) -> Result<Self, DatumError> {
        let v = i64::from_be_bytes(fixed_bytes(buf, "time")?);
        if !(0..=USECS_PER_DAY).contains(&v) {
            return Err(DatumError::DatetimeFieldOverflow(
                "time out of range".into(),
            ));
        }
        Ok(Time(v))
    }
}

impl Timestamp {
    /// `-infinity`.
    pub const NEG_INFINITY: Timestamp = Timestamp(i64::MIN);
    /// `infinity`.
    pub const INFINITY: Timestamp = Timestamp(i64::MAX);

    /// Reads `timestamp` input text (`timestamp_in`); a zone in the text is
    /// checked and ignored; `now`/`today` use UTC.
    pub fn parse(s: &str) -> Result<Timestamp, DatumError> {
        parse::parse_timestamp(s, &TimeZone::UTC)
    }

    /// Reads `timestamp` input text; `now`/`today`/... use the session zone `tz`.
    pub fn parse_in(s: &str, tz: &TimeZone) -> Result<Timestamp, DatumError> {
        parse::parse_timestamp(s, tz)
    }

    /// Neither `infinity` nor `-infinity`.
    pub fn is_finite(self) -> bool {
        self.0 != i64::MIN && self.0 != i64::MAX
    }

    /// Appends the binary wire form (big-endian i64 µs).
    pub fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_be_bytes());
    }

    /// Reads the binary wire form; 22008 if finite and out of range.
    pub fn read_binary(buf: &[u8]) -> Result<Self, DatumError> {
        let v = Timestamp(i64::from_be_bytes(fixed_bytes(buf, "timestamp")?));
        if v.is_finite() && !is_valid_timestamp(v.0) {
            return Err(timestamp_out_of_range());
        }
        Ok(v)
    }
}

impl TimestampTz {
    /// `-infinity`.
    pub const NEG_INFINITY: TimestampTz = TimestampTz(i64::MIN);
    /// `infinity`.
    pub const INFINITY: TimestampTz = TimestampTz(i64::MAX);

    /// Reads `timestamptz` input text (`timestamptz_in`); text without a
    /// zone is local time in `tz`.
    pub fn parse(s: &str, tz: &TimeZone) -> Result<TimestampTz, DatumError> {
        parse::parse_timestamptz(s, tz)
    }

    /// Prints as PostgreSQL does with DateStyle ISO in session zone `tz`
    /// (`2024-01-02 03:04:05.5+01`).
    pub fn format(self, tz: &TimeZone) -> String {
        let mut s = String::with_capacity(32);
        format::write_timestamptz(&mut s, self, tz);
        s
    }

    /// Appends the text form in zone `tz` to `out` without allocating a new String.
    pub fn format_into<W: std::fmt::Write>(self, out: &mut W, tz: &TimeZone) {
        format::write_timestamptz(out, self, tz);
    }

    /// The current time (transaction timestamps are the caller's business).
    pub fn now() -> TimestampTz {
        TimestampTz(now_micros())
    }

    /// Neither `infinity` nor `-infinity`.
    pub fn is_finite(self) -> bool {
        self.0 != i64::MIN && self.0 != i64::MAX
    }

    /// Appends the binary wire form (big-endian i64 µs).
    pub fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_be_bytes());
    }

    /// Reads the binary wire form; 22008 if finite and out of range.
    pub fn read_binary(buf: &[u8]) -> Result<Self, DatumError> {
        let v = TimestampTz(i64::from_be_bytes(fixed_bytes(buf, "timestamptz")?));
        if v.is_finite() && !is_valid_timestamp(v.0) {
            return Err(timestamp_out_of_range());
        }
        Ok(v)
    }
}

impl Interval {
    /// The zero interval.
    pub const ZERO: Interval = Interval {
        months: 0,
        days: 0,
        micros: 0,
    };

    /// Reads `interval` input text (`interval_in`), postgres and ISO 8601 forms.
    pub fn parse(s: &str) -> Result<Interval, DatumError> {
        parse::parse_interval(s)
    }

    /// The span PostgreSQL compares (`interval_cmp_value`): µs with a month of
    /// 30 days and a day of 24 hours.
    pub fn cmp_value(&self) -> i128 {
        self.micros as i128 + (self.months as i128 * 30 + self.days as i128) * USECS_PER_DAY as i128
    }

    /// Appends the binary wire form: i64 µs, i32 days, i32 months, big-endian.
    pub fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.micros.to_be_bytes());
        out.extend_from_slice(&self.days.to_be_bytes());
        out.extend_from_slice(&self.months.to_be_bytes());
    }

    /// Reads the binary wire form.
    pub fn read_binary(buf: &[u8]) -> Result<Self, DatumError> {
        let b: [u8; 16] = fixed_bytes(buf, "interval")?;
        let mut m = [0u8; 8];
        m.copy_from_slice(&b[0..8]);
        let mut d = [0u8; 4];
        d.copy_from_slice(&b[8..12]);
        let mut mo = [0u8; 4];
        mo.copy_from_slice(&b[12..16]);
        Ok(Interval {
            micros: i64::from_be_bytes(m),
            days: i32::from_be_bytes(d),
            months: i32::from_be_bytes(mo),
        })
    }
}

/// Rounds µs to `precision` fractional digits, half away from zero, as
/// PostgreSQL's `AdjustTimestampForTypmod` / `AdjustTimeForTypmod` do.
fn round_micros(v: i64, precision: u8) -> i64 {
    const SCALES: [i64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
    let scale = SCALES[precision.min(6) as usize] as i128;
    let v = v as i128;
    let r = if v >= 0 {
        (v + scale / 2) / scale * scale
    } else {
        -((-v + scale / 2) / scale * scale)
    };
    r.clamp(i64::MIN as i128 + 1, i64::MAX as i128 - 1) as i64
}

impl Timestamp {
    /// The value of `timestamp(p)`: rounded to `precision` (0..=6)
    /// fractional digits; infinities unchanged. Like PostgreSQL 15, no range
    /// check follows the rounding.
    pub fn round_to_precision(self, precision: u8) -> Timestamp {
        if !self.is_finite() {
            return self;
        }
        Timestamp(round_micros(self.0, precision))
    }
}

impl TimestampTz {
    /// The value of `timestamptz(p)`; see [`Timestamp::round_to_precision`].
    pub fn round_to_precision(self, precision: u8) -> TimestampTz {
        if !self.is_finite() {
            return self;
        }
        TimestampTz(round_micros(self.0, precision))
    }
}

impl Time {
    /// The value of `time(p)`: rounded to `precision` (0..=6) fractional
    /// digits; `23:59:59.5` becomes `24:00:00` at precision 0, as in PostgreSQL.
    pub fn round_to_precision(self, precision: u8) -> Time {
        Time(round_micros(self.0, precision))
    }
}

impl Interval {
    /// The value of `interval(p)`: the time part rounded to `precision`
    /// (0..=6) fractional digits. Interval field restrictions (`YEAR TO
    /// MONTH`, ...) are not implemented.
    pub fn round_to_precision(self, precision: u8) -> Interval {
        Interval {
            micros: round_micros(self.micros, precision),
            ..self
        }
    }
}

impl PartialEq for Interval {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_value() == other.cmp_value()
    }
}
impl Eq for Interval {}
impl PartialOrd for Interval {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Interval {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_value().cmp(&other.cmp_value())
    }
}
impl Hash for Interval {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.cmp_value().hash(state);
    }
}

// ---------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------

/// `date::timestamp`: midnight of the date; infinities carry over; 22008
/// "date out of range for timestamp" past 294276 AD.
pub fn date_to_timestamp(d: Date) -> Result<Timestamp, DatumError> {
    match d.0 {
        i32::MIN => Ok(Timestamp::NEG_INFINITY),
        i32::MAX => Ok(Timestamp::INFINITY),
        v if !(DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE
            ..TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE)
            .contains(&v) =>
        {
            Err(DatumError::DatetimeFieldOverflow(
                "date out of range for timestamp".into(),
            ))
        }
        v => Ok(Timestamp(v as i64 * USECS_PER_DAY)),
    }
}

/// `timestamp::date`: the date part; infinities carry over.
pub fn timestamp_to_date(t: Timestamp) -> Date {
    match t.0 {
        i64::MIN => Date::NEG_INFINITY,
        i64::MAX => Date::INFINITY,
        v => Date(v.div_euclid(USECS_PER_DAY) as i32),
    }
}

/// `timestamp::timestamptz`: reads `t` as local time in `tz`.
pub fn timestamp_to_timestamptz(t: Timestamp, tz: &TimeZone) -> Result<TimestampTz, DatumError> {
    if !t.is_finite() {
        return Ok(TimestampTz(t.0));
    }
    local_to_utc(t.0, tz).map(TimestampTz)
}

/// `timestamptz::timestamp`: local time of `t` in `tz`. Infinities carry
/// over; a result pushed past the range by the offset saturates to infinity
/// (PostgreSQL raises 22008 there).
pub fn timestamptz_to_timestamp(t: TimestampTz, tz: &TimeZone) -> Timestamp {
    if !t.is_finite() {
        return Timestamp(t.0);
    }
    let off = utc_offset_at(tz, t.0) as i64 * USECS_PER_SEC;
    Timestamp(t.0.saturating_add(off))
}

/// `timestamp::time`: the time of day. PostgreSQL returns NULL for an
/// infinite timestamp; callers must check [`Timestamp::is_finite`] (this
/// returns `00:00:00` then).
pub fn timestamp_to_time(t: Timestamp) -> Time {
    if !t.is_finite() {
        return Time(0);
    }
    Time(t.0.rem_euclid(USECS_PER_DAY))
}

// ---------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------

fn add_months_to_tm(tm: &mut Tm, months: i32) {
    let total = tm.mon as i64 - 1 + months as i64;
    tm.year = (tm.year as i64 + total.div_euclid(12))
        .clamp(i32::MIN as i64 / 2, i32::MAX as i64 / 2) as i32;
    tm.mon = (total.rem_euclid(12) + 1) as i32;
    let dim = days_in_month(tm.year, tm.mon);
    if tm.mday > dim {
        tm.mday = dim;
    }
}

fn add_days_to_tm(tm: &mut Tm, days: i32) -> Result<(), DatumError> {
    let j = (tm.julian() as i64 + days as i64).clamp(i32::MIN as i64, i32::MAX as i64) as i32;
    if !(DATETIME_MIN_JULIAN..TIMESTAMP_END_JULIAN).contains(&j) {
        return Err(timestamp_out_of_range());
    }
    let (y, m, d) = j2date(j);
    tm.year = y;
    tm.mon = m;
    tm.mday = d;
    Ok(())
}

/// `timestamp + interval`: months first (clamping the day of month), then
/// days, then microseconds; infinities are unchanged; 22008 on overflow.
pub fn timestamp_add_interval(t: Timestamp, i: &Interval) -> Result<Timestamp, DatumError> {
    if !t.is_finite() {
        return Ok(t);
    }
    let mut v = t.0;
    if i.months != 0 {
        let mut tm = timestamp2tm(v);
        add_months_to_tm(&mut tm, i.months);
        v = tm2timestamp(&tm)?;
    }
    if i.days != 0 {
        let mut tm = timestamp2tm(v);
        add_days_to_tm(&mut tm, i.days)?;
        v = tm2timestamp(&tm)?;
    }
    v = v.checked_add(i.micros).ok_or_else(timestamp_out_of_range)?;
    if !is_valid_timestamp(v) {
        return Err(timestamp_out_of_range());
    }
    Ok(Timestamp(v))
}

/// `timestamp - interval`.
pub fn timestamp_sub_interval(t: Timestamp, i: &Interval) -> Result<Timestamp, DatumError> {
    timestamp_add_interval(t, &interval_neg(i)?)
}

/// `timestamptz + interval`: months and days move the local time in `tz`
/// (DST aware), microseconds move the instant, as PostgreSQL does.
pub fn timestamptz_add_interval(
    t: TimestampTz,
    i: &Interval,
    tz: &TimeZone,
) -> Result<TimestampTz, DatumError> {
    if !t.is_finite() {
        return Ok(t);
    }
    let mut v = t.0;
    if i.months != 0 {
        let mut tm = timestamp2tm(timestamptz_to_timestamp(TimestampTz(v), tz).0);
        add_months_to_tm(&mut tm, i.months);
        v = local_to_utc(tm2timestamp(&tm)?, tz)?;
    }
    if i.days != 0 {
        let mut tm = timestamp2tm(timestamptz_to_timestamp(TimestampTz(v), tz).0);
        add_days_to_tm(&mut tm, i.days)?;
        v = local_to_utc(tm2timestamp(&tm)?, tz)?;
    }
    v = v.checked_add(i.micros).ok_or_else(timestamp_out_of_range)?;
    if !is_valid_timestamp(v) {
        return Err(timestamp_out_of_range());
    }
    Ok(TimestampTz(v))
}

/// `timestamptz - interval`.
pub fn timestamptz_sub_interval(
    t: TimestampTz,
    i: &Interval,
    tz: &TimeZone,
) -> Result<TimestampTz, DatumError> {
    timestamptz_add_interval(t, &interval_neg(i)?, tz)
}

/// `timestamp - timestamp` (`timestamp_mi`): the microsecond difference,
/// then `justify_hours`. 22008 "cannot subtract infinite timestamps".
pub fn timestamp_sub_timestamp(a: Timestamp, b: Timestamp) -> Result<Interval, DatumError> {
    if !a.is_finite() || !b.is_finite() {
        return Err(DatumError::DatetimeFieldOverflow(
            "cannot subtract infinite timestamps".into(),
        ));
    }
    // PostgreSQL 15 does not check this subtraction for overflow; it wraps.
    let micros = a.0.wrapping_sub(b.0);
    justify_hours(&Interval {
        months: 0,
        days: 0,
        micros,
    })
}

/// `timestamptz - timestamptz`: same as [`timestamp_sub_timestamp`].
pub fn timestamptz_sub_timestamptz(a: TimestampTz, b: TimestampTz) -> Result<Interval, DatumError> {
    timestamp_sub_timestamp(Timestamp(a.0), Timestamp(b.0))
}

/// `age(timestamp, timestamp)`: the symbolic difference in years, months,
/// days and time, borrowing from the month of the later (or, when
/// `a < b`, the earlier) value, as PostgreSQL's `timestamp_age`.
/// `-infinity` gives 22008 "timestamp out of range"; `infinity` is, as
/// in PostgreSQL 15, taken for its raw value (year 294277).
pub fn timestamp_age(a: Timestamp, b: Timestamp) -> Result<Interval, DatumError> {
    if a.0 == i64::MIN || b.0 == i64::MIN {
        return Err(timestamp_out_of_range());
    }
    age_of(timestamp2tm(a.0), timestamp2tm(b.0), a.0 < b.0)
}

/// `age(timestamptz, timestamptz)`: as [`timestamp_age`] on the local
/// times in the session zone `tz`.
pub fn timestamptz_age(
    a: TimestampTz,
    b: TimestampTz,
    tz: &TimeZone,
) -> Result<Interval, DatumError> {
    if !a.is_finite() || !b.is_finite() {
        return Err(timestamp_out_of_range());
    }
    let la = timestamptz_to_timestamp(a, tz);
    let lb = timestamptz_to_timestamp(b, tz);
    age_of(timestamp2tm(la.0), timestamp2tm(lb.0), a.0 < b.0)
}

fn age_of(tm1: Tm, tm2: Tm, flip: bool) -> Result<Interval, DatumError> {
    let sign = if flip { -1 } else { 1 };
    let mut fsec = sign * (tm1.usec - tm2.usec);
    let mut sec = sign * (tm1.sec - tm2.sec) as i64;
    let mut min = sign * (tm1.min - tm2.min) as i64;
    let mut hour = sign * (tm1.hour - tm2.hour) as i64;
    let mut mday = sign * (tm1.mday - tm2.mday) as i64;
    let mut mon = sign * (tm1.mon - tm2.mon) as i64;
    let mut year = sign * (tm1.year as i64 - tm2.year as i64);
    if fsec < 0 {
        fsec += USECS_PER_SEC;
        sec -= 1;
    }
    if sec < 0 {
        sec += 60;
        min -= 1;
    }
    if min < 0 {
        min += 60;
        hour -= 1;
    }
    if hour < 0 {
        hour += 24;
        mday -= 1;
    }
    let borrow = if flip { &tm1 } else { &tm2 };
    while mday < 0 {
        mday += days_in_month(borrow.year, borrow.mon) as i64;
        mon -= 1;
    }
    while mon < 0 {
        mon += 12;
        year -= 1;
    }
    let months = sign * (year * 12 + mon);
    Ok(Interval {
        months: i32::try_from(months).map_err(|_| interval_out_of_range())?,
        days: (sign * mday) as i32,
        micros: sign * (((hour * 60 + min) * 60 + sec) * USECS_PER_SEC + fsec),
    })
}

/// `date + integer`; infinite dates are unchanged; 22008 "date out of range".
pub fn date_add_days(d: Date, n: i32) -> Result<Date, DatumError> {
    if !d.is_finite() {
        return Ok(d);
    }
    let v = d.0 as i64 + n as i64;
    if !is_valid_date(v) {
        return Err(date_out_of_range());
    }
    Ok(Date(v as i32))
}

/// `date - date` in days. Deviation from the brief: returns a `Result`,
/// because PostgreSQL raises 22008 "cannot subtract infinite dates".
pub fn date_sub_date(a: Date, b: Date) -> Result<i32, DatumError> {
    if !a.is_finite() || !b.is_finite() {
        return Err(DatumError::DatetimeFieldOverflow(
            "cannot subtract infinite dates".into(),
        ));
    }
    Ok(a.0 - b.0)
}

/// `time + interval`: only the interval's time part counts, wrapping
/// around midnight (`time_pl_interval`).
pub fn time_add_interval(t: Time, i: &Interval) -> Time {
    Time((t.0 as i128 + i.micros as i128).rem_euclid(USECS_PER_DAY as i128) as i64)
}

/// `time - interval`, wrapping around midnight.
pub fn time_sub_interval(t: Time, i: &Interval) -> Time {
    Time((t.0 as i128 - i.micros as i128).rem_euclid(USECS_PER_DAY as i128) as i64)
}

/// `time - time`: an interval of microseconds only.
pub fn time_sub_time(a: Time, b: Time) -> Interval {
    Interval {
        months: 0,
        days: 0,
        micros: a.0 - b.0,
    }
}

/// `date + time` (`datetime_timestamp`); 22008 "timestamp out of range".
pub fn date_add_time(d: Date, t: Time) -> Result<Timestamp, DatumError> {
    let ts = date_to_timestamp(d)?;
    if !ts.is_finite() {
        return Ok(ts);
    }
    let v = ts.0 + t.0;
    if !is_valid_timestamp(v) {
        return Err(timestamp_out_of_range());
    }
    Ok(Timestamp(v))
}

/// `date + interval`: the date as midnight, plus the interval.
pub fn date_add_interval(d: Date, i: &Interval) -> Result<Timestamp, DatumError> {
    timestamp_add_interval(date_to_timestamp(d)?, i)
}

/// `interval + interval`, field by field; 22008 "interval out of range".
pub fn interval_add(a: &Interval, b: &Interval) -> Result<Interval, DatumError> {
    Ok(Interval {
        months: a
            .months
            .checked_add(b.months)
            .ok_or_else(interval_out_of_range)?,
        days: a
            .days
            .checked_add(b.days)
            .ok_or_else(interval_out_of_range)?,
        micros: a
            .micros
            .checked_add(b.micros)
            .ok_or_else(interval_out_of_range)?,
    })
}

/// `interval - interval`, field by field.
pub fn interval_sub(a: &Interval, b: &Interval) -> Result<Interval, DatumError> {
    Ok(Interval {
        months: a
            .months
            .checked_sub(b.months)
            .ok_or_else(interval_out_of_range)?,
        days: a
            .days
            .checked_sub(b.days)
            .ok_or_else(interval_out_of_range)?,
        micros: a
            .micros
            .checked_sub(b.micros)
            .ok_or_else(interval_out_of_range)?,
    })
}

/// `-interval`.
pub fn interval_neg(a: &Interval) -> Result<Interval, DatumError> {
    Ok(Interval {
        months: a.months.checked_neg().ok_or_else(interval_out_of_range)?,
        days: a.days.checked_neg().ok_or_else(interval_out_of_range)?,
        micros: a.micros.checked_neg().ok_or_else(interval_out_of_range)?,
    })
}

fn tsround(x: f64) -> f64 {
    (x * 1_000_000.0).round_ties_even() / 1_000_000.0
}

fn fits_i32(x: f64) -> bool {
    !x.is_nan() && x >= i32::MIN as f64 && x < -(i32::MIN as f64)
}

fn fits_i64(x: f64) -> bool {
    !x.is_nan() && x >= i64::MIN as f64 && x < -(i64::MIN as f64)
}

/// `interval * float8` (`interval_mul`): fractional months spill into days
/// and fractional days into time, as PostgreSQL 15 does.
pub fn interval_mul_f64(a: &Interval, factor: &f64) -> Result<Interval, DatumError> {
    let factor = *factor;
    let m = a.months as f64 * factor;
    if !fits_i32(m) {
        return Err(interval_out_of_range());
    }
    let d = a.days as f64 * factor;
    if !fits_i32(d) {
        return Err(interval_out_of_range());
    }
    let (months, days) = (m as i32, d as i32);
    spill(months, days, m, d, a.micros as f64 * factor)
}

/// Shared tail of `interval_mul` / `interval_div`.
fn spill(months: i32, mut days: i32, m: f64, d: f64, time: f64) -> Result<Interval, DatumError> {
    let month_remainder_days = tsround((m - months as f64) * DAYS_PER_MONTH as f64);
    let mut sec_remainder = tsround(
        (d - days as f64 + month_remainder_days - month_remainder_days.trunc())
            * SECS_PER_DAY as f64,
    );
    if sec_remainder.abs() >= SECS_PER_DAY as f64 {
        let whole = (sec_remainder / SECS_PER_DAY as f64) as i32;
        days = days.checked_add(whole).ok_or_else(interval_out_of_range)?;
        sec_remainder -= whole as f64 * SECS_PER_DAY as f64;
    }
    days = days
        .checked_add(month_remainder_days as i32)
        .ok_or_else(interval_out_of_range)?;
    let t = (time + sec_remainder * USECS_PER_SEC as f64).round_ties_even();
    if !fits_i64(t) {
        return Err(interval_out_of_range());
    }
    Ok(Interval {
        months,
        days,
        micros: t as i64,
    })
}

/// `interval / float8` (`interval_div`); 22012 on division by zero.
pub fn interval_div_f64(a: &Interval, factor: &f64) -> Result<Interval, DatumError> {
    let factor = *factor;
    if factor == 0.0 {
        return Err(DatumError::DivisionByZero);
    }
    let m = a.months as f64 / factor;
    let d = a.days as f64 / factor;
    if !fits_i32(m) || !fits_i32(d) {
        return Err(interval_out_of_range());
    }
    spill(m as i32, d as i32, m, d, a.micros as f64 / factor)
}

/// `justify_hours`: whole 24-hour periods of the time become days.
pub fn justify_hours(a: &Interval) -> Result<Interval, DatumError> {
    let mut r = *a;
    let wholeday = r.micros / USECS_PER_DAY;
    r.micros -= wholeday * USECS_PER_DAY;
    r.days = i32::try_from(r.days as i64 + wholeday).map_err(|_| interval_out_of_range())?;
    if r.days > 0 && r.micros < 0 {
        r.micros += USECS_PER_DAY;
        r.days -= 1;
    } else if r.days < 0 && r.micros > 0 {
        r.micros -= USECS_PER_DAY;
        r.days += 1;
    }
    Ok(r)
}

/// `justify_days`: whole 30-day periods become months.
pub fn justify_days(a: &Interval) -> Result<Interval, DatumError> {
    let mut r = *a;
    let wholemonth = r.days / DAYS_PER_MONTH;
    r.days -= wholemonth * DAYS_PER_MONTH;
    r.months = r
        .months
        .checked_add(wholemonth)
        .ok_or_else(interval_out_of_range)?;
    if r.months > 0 && r.days < 0 {
        r.days += DAYS_PER_MONTH;
        r.months -= 1;
    } else if r.months < 0 && r.days > 0 {
        r.days -= DAYS_PER_MONTH;
        r.months += 1;
    }
    Ok(r)
}

/// `justify_interval`: `justify_days` and `justify_hours` with consistent signs.
pub fn justify_interval(a: &Interval) -> Result<Interval, DatumError> {
    let mut r = *a;
    if (r.days > 0 && r.micros > 0) || (r.days < 0 && r.micros < 0) {
        let wholemonth = r.days / DAYS_PER_MONTH;
        r.days -= wholemonth * DAYS_PER_MONTH;
        r.months = r
            .months
            .checked_add(wholemonth)
            .ok_or_else(interval_out_of_range)?;
    }
    let wholeday = r.micros / USECS_PER_DAY;
    r.micros -= wholeday * USECS_PER_DAY;
    r.days = i32::try_from(r.days as i64 + wholeday).map_err(|_| interval_out_of_range())?;
    let wholemonth = r.days / DAYS_PER_MONTH;
    r.days -= wholemonth * DAYS_PER_MONTH;
    r.months = r
        .months
        .checked_add(wholemonth)
        .ok_or_else(interval_out_of_range)?;
    if r.months > 0 && (r.days < 0 || (r.days == 0 && r.micros < 0)) {
        r.days += DAYS_PER_MONTH;
        r.months -= 1;
    } else if r.months < 0 && (r.days > 0 || (r.days == 0 && r.micros > 0)) {
        r.days -= DAYS_PER_MONTH;
        r.months += 1;
    }
    if r.days > 0 && r.micros < 0 {
        r.micros += USECS_PER_DAY;
        r.days -= 1;
    } else if r.days < 0 && r.micros > 0 {
        r.micros -= USECS_PER_DAY;
        r.days += 1;
    }
    Ok(r)
}

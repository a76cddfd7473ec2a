//! `EXTRACT` / `date_part` (PostgreSQL 15 `extract_date`, `time_part_common`,
//! `timestamp_part_common`, `interval_part_common` with numeric results) and
//! `date_trunc` (`timestamp_trunc`, `timestamptz_trunc_internal`).

use jiff::tz::TimeZone;

use super::{
    Date, Interval, POSTGRES_EPOCH_JDATE, SECS_PER_DAY, Time, Timestamp, TimestampTz, Tm,
    UNIX_EPOCH_JDATE, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC, date2j,
    j2date, j2day, local_to_utc, timestamp2tm, tm2timestamp, utc_offset_at,
};
use crate::datum::DatumError;

/// A value to take a field from. `TimestampTz` carries the session zone,
/// whose local time the fields describe.
#[derive(Clone, Copy, Debug)]
pub enum DateTimeValue<'a> {
    /// `date`
    Date(Date),
    /// `time`
    Time(Time),
    /// `timestamp`
    Timestamp(Timestamp),
    /// `timestamptz` in the session zone.
    TimestampTz(TimestampTz, &'a TimeZone),
    /// `interval`
    Interval(&'a Interval),
}

/// The full result of `EXTRACT`, including PostgreSQL's non-finite answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtractValue {
    /// `value / 10^scale`, a numeric with exactly that display scale.
    Finite(i128, u32),
    /// numeric `Infinity` (monotonic fields of an infinite input).
    PosInfinity,
    /// numeric `-Infinity`.
    NegInfinity,
    /// SQL NULL (oscillating fields, such as `day`, of an infinite input).
    Null,
}

impl ExtractValue {
    /// The value as PostgreSQL's numeric output prints it (`5.123456`,
    /// `Infinity`, `-Infinity`); `None` for NULL.
    pub fn to_text(&self) -> Option<String> {
        match *self {
            ExtractValue::Finite(v, scale) => {
                if scale == 0 {
                    return Some(v.to_string());
                }
                let digits = v.unsigned_abs().to_string();
                let s = scale as usize;
                let padded = if digits.len() <= s {
                    format!("{}{}", "0".repeat(s + 1 - digits.len()), digits)
                } else {
                    digits
                };
                let (int, frac) = padded.split_at(padded.len() - s);
                Some(format!("{}{}.{}", if v < 0 { "-" } else { "" }, int, frac))
            }
            ExtractValue::PosInfinity => Some("Infinity".into()),
            ExtractValue::NegInfinity => Some("-Infinity".into()),
            ExtractValue::Null => None,
        }
    }

    /// The nearest `f64` (for the float8 `date_part`); `None` for NULL.
    /// PostgreSQL's float `date_part` computes in floating point and can
    /// differ from this in the last bit for fractional fields.
    pub fn to_f64(&self) -> Option<f64> {
        match *self {
            ExtractValue::Finite(v, scale) => Some(v as f64 / 10f64.powi(scale as i32)),
            ExtractValue::PosInfinity => Some(f64::INFINITY),
            ExtractValue::NegInfinity => Some(f64::NEG_INFINITY),
            ExtractValue::Null => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Microseconds,
    Milliseconds,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
    Timezone,
    TimezoneHour,
    TimezoneMinute,
    Epoch,
    Julian,
    Dow,
    IsoDow,
    Doy,
    IsoYear,
}

/// `DecodeUnits` / `DecodeSpecial` for the field names `EXTRACT` and `date_trunc` accept.
fn field(name: &str) -> Option<Field> {
    use Field::*;
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "useconds" | "microsecon" => {
            Microseconds
        }
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "mseconds" | "millisecon" => {
            Milliseconds
        }
        "second" | "seconds" | "s" | "sec" | "secs" => Second,
        "minute" | "minutes" | "m" | "min" | "mins" => Minute,
        "hour" | "hours" | "h" | "hr" | "hrs" => Hour,
        "day" | "days" | "d" => Day,
        "week" | "weeks" | "w" => Week,
        "month" | "months" | "mon" | "mons" => Month,
        "quarter" | "qtr" => Quarter,
        "year" | "years" | "y" | "yr" | "yrs" => Year,
        "decade" | "decades" | "dec" | "decs" => Decade,
        "century" | "centuries" | "c" | "cent" => Century,
        "millennium" | "millennia" | "mil" | "mils" => Millennium,
        "timezone" => Timezone,
        "timezone_h" | "timezone_hour" => TimezoneHour,
        "timezone_m" | "timezone_minute" => TimezoneMinute,
        "epoch" => Epoch,
        "julian" | "j" | "jd" => Julian,
        "dow" => Dow,
        "isodow" => IsoDow,
        "doy" => Doy,
        "isoyear" => IsoYear,
        _ => return None,
    })
}

fn type_name(v: &DateTimeValue<'_>) -> &'static str {
    match v {
        DateTimeValue::Date(_) => "date",
        DateTimeValue::Time(_) => "time without time zone",
        DateTimeValue::Timestamp(_) => "timestamp without time zone",
        DateTimeValue::TimestampTz(..) => "timestamp with time zone",
        DateTimeValue::Interval(_) => "interval",
    }
}

fn not_recognized(unit: &str, ty: &str) -> DatumError {
    DatumError::InvalidParameterValue(format!(
        "unit \"{}\" not recognized for type {ty}",
        unit.to_ascii_lowercase()
    ))
}

fn not_supported(unit: &str, ty: &str) -> DatumError {
    DatumError::Other {
        code: "0A000",
        message: format!(
            "unit \"{}\" not supported for type {ty}",
            unit.to_ascii_lowercase()
        ),
    }
}

/// `EXTRACT(field FROM v)` as PostgreSQL 15's numeric result
/// `(value_scaled, scale)`, meaning `value_scaled / 10^scale`.
///
/// Infinite inputs, where PostgreSQL answers `Infinity`, `-Infinity` or
/// NULL, give `Err(DatumError::Other { code: "0A000", .. })`; use
/// [`extract_value`] to get those answers.
pub fn extract(field: &str, v: DateTimeValue<'_>) -> Result<(i128, u32), DatumError> {
    match extract_value(field, v)? {
        ExtractValue::Finite(x, s) => Ok((x, s)),
        other => Err(DatumError::Other {
            code: "0A000",
            message: format!("EXTRACT of an infinite value is {other:?}; use extract_value"),
        }),
    }
}

/// `EXTRACT(field FROM v)` with PostgreSQL 15's full answer, non-finite included.
///
/// Errors: 22023 `unit "x" not recognized for type t`; 0A000 `unit "x" not
/// supported for type t` for a known field the type lacks (`hour` of a `date`).
pub fn extract_value(name: &str, v: DateTimeValue<'_>) -> Result<ExtractValue, DatumError> {
    use Field::*;
    let ty = type_name(&v);
    let f = field(name).ok_or_else(|| not_recognized(name, ty))?;
    let fin = |x: i64| Ok(ExtractValue::Finite(x as i128, 0));
    match v {
        DateTimeValue::Interval(i) => interval_part(f, i).ok_or_else(|| not_supported(name, ty)),
        DateTimeValue::Time(t) => {
            let t = t.0;
            match f {
                Microseconds => fin(t % (60 * USECS_PER_SEC)),
                Milliseconds => Ok(ExtractValue::Finite((t % (60 * USECS_PER_SEC)) as i128, 3)),
                Second => Ok(ExtractValue::Finite((t % (60 * USECS_PER_SEC)) as i128, 6)),
                Minute => fin(t / USECS_PER_MINUTE % 60),
                Hour => fin(t / USECS_PER_HOUR),
                Epoch => Ok(ExtractValue::Finite(t as i128, 6)),
                _ => Err(not_supported(name, ty)),
            }
        }
        DateTimeValue::Date(d) => {
            let date_only = !matches!(
                f,
                Microseconds
                    | Milliseconds
                    | Second
                    | Minute
                    | Hour
                    | Timezone
                    | TimezoneHour
                    | TimezoneMinute
            );
            if !date_only {
                return Err(not_supported(name, ty));
            }
            if !d.is_finite() {
                return Ok(non_finite(f, d.0 == i32::MIN));
            }
            match f {
                Epoch => fin(
                    (d.0 as i64 + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) as i64) * SECS_PER_DAY,
                ),
                Julian => fin(d.0 as i64 + POSTGRES_EPOCH_JDATE as i64),
                _ => {
                    let tm = timestamp2tm(d.0 as i64 * USECS_PER_DAY);
                    Ok(timestamp_field(f, &tm, None, 0).unwrap_or(ExtractValue::Null))
                }
            }
        }
        DateTimeValue::Timestamp(t) => {
            if !t.is_finite() {
                return Ok(non_finite(f, t.0 == i64::MIN));
            }
            if matches!(f, Timezone | TimezoneHour | TimezoneMinute) {
                return Err(not_supported(name, ty));
            }
            let tm = timestamp2tm(t.0);
            Ok(timestamp_field(f, &tm, None, t.0).unwrap_or(ExtractValue::Null))
        }
        DateTimeValue::TimestampTz(t, tz) => {
            if !t.is_finite() {
                return Ok(non_finite(f, t.0 == i64::MIN));
            }
            let off = utc_offset_at(tz, t.0);
            let tm = timestamp2tm(t.0 + off as i64 * USECS_PER_SEC);
            Ok(timestamp_field(f, &tm, Some(off), t.0).unwrap_or(ExtractValue::Null))
        }
    }
}

/// `NonFiniteTimestampTzPart`: monotonic fields are ±Infinity, the rest NULL.
fn non_finite(f: Field, negative: bool) -> ExtractValue {
    use Field::*;
    match f {
        Year | Decade | Century | Millennium | Julian | IsoYear | Epoch => {
            if negative {
                ExtractValue::NegInfinity
            } else {
                ExtractValue::PosInfinity
            }
        }
        _ => ExtractValue::Null,
    }
}

/// `date2isoweek`.
pub(crate) fn date2isoweek(year: i32, mon: i32, mday: i32) -> i32 {
    let (w, _) = iso_week_year(year, mon, mday);
    w
}

/// (ISO week, ISO year) of a date (`date2isoweek` / `date2isoyear`).
pub(crate) fn iso_week_year(year: i32, mon: i32, mday: i32) -> (i32, i32) {
    let mut year = year;
    let dayn = date2j(year, mon, mday) as i64;
    let mut day4 = date2j(year, 1, 4) as i64;
    let mut day0 = j2day((day4 - 1) as i32) as i64;
    if dayn < day4 - day0 {
        day4 = date2j(year - 1, 1, 4) as i64;
        day0 = j2day((day4 - 1) as i32) as i64;
        year -= 1;
    }
    let mut result = (dayn - (day4 - day0)) / 7 + 1;
    if result >= 52 {
        day4 = date2j(year + 1, 1, 4) as i64;
        day0 = j2day((day4 - 1) as i32) as i64;
        if dayn >= day4 - day0 {
            result = (dayn - (day4 - day0)) / 7 + 1;
            year += 1;
        }
    }
    (result as i32, year)
}

/// A field of a broken-down timestamp; `tz` is the east offset of a
/// timestamptz; `raw` the µs value (for `epoch`). `None` when the field
/// does not apply (the callers have already filtered those out).
fn timestamp_field(f: Field, tm: &Tm, tz: Option<i32>, raw: i64) -> Option<ExtractValue> {
    use Field::*;
    let fin = |x: i64| Some(ExtractValue::Finite(x as i128, 0));
    let secs_us = tm.sec as i64 * USECS_PER_SEC + tm.usec;
    let y = tm.year;
    match f {
        Microseconds => fin(secs_us),
        Milliseconds => Some(ExtractValue::Finite(secs_us as i128, 3)),
        Second => Some(ExtractValue::Finite(secs_us as i128, 6)),
        Minute => fin(tm.min as i64),
        Hour => fin(tm.hour as i64),
        Day => fin(tm.mday as i64),
        Month => fin(tm.mon as i64),
        Quarter => fin(((tm.mon - 1) / 3 + 1) as i64),
        Week => fin(date2isoweek(y, tm.mon, tm.mday) as i64),
        Year => fin(if y > 0 { y as i64 } else { y as i64 - 1 }),
        Decade => fin(if y >= 0 {
            y as i64 / 10
        } else {
            -((8 - (y as i64 - 1)) / 10)
        }),
        Century => fin(if y > 0 {
            (y as i64 + 99) / 100
        } else {
            -((99 - (y as i64 - 1)) / 100)
        }),
        Millennium => fin(if y > 0 {
            (y as i64 + 999) / 1000
        } else {
            -((999 - (y as i64 - 1)) / 1000)
        }),
        Julian => {
            let jd = tm.julian() as i128;
            let num = ((tm.hour as i64 * 60 + tm.min as i64) * 60 + tm.sec as i64) * USECS_PER_SEC
                + tm.usec;
            let scale = julian_div_scale(num);
            let p = 10i128.pow(scale);
            let n = num as i128 * p;
            let d = USECS_PER_DAY as i128;
            let q = (n + d / 2) / d; // num >= 0: round half up
            Some(ExtractValue::Finite(jd * p + q, scale))
        }
        Dow => fin(j2day(tm.julian()) as i64),
        IsoDow => {
            let d = j2day(tm.julian());
            fin(if d == 0 { 7 } else { d as i64 })
        }
        Doy => fin((tm.julian() - date2j(y, 1, 1) + 1) as i64),
        IsoYear => {
            let (_, iy) = iso_week_year(y, tm.mon, tm.mday);
            fin(if iy <= 0 { iy as i64 - 1 } else { iy as i64 })
        }
        Epoch => {
            let epoch = (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) as i128 * USECS_PER_DAY as i128;
            Some(ExtractValue::Finite(raw as i128 - epoch, 6))
        }
        Timezone => fin(tz? as i64),
        TimezoneHour => fin(tz? as i64 / 3600),
        TimezoneMinute => fin(tz? as i64 / 60 % 60),
    }
}

/// The scale `numeric_div` picks for `µs / 86400000000` (`select_div_scale`).
fn julian_div_scale(num: i64) -> u32 {
    // Base-10000 weight and first digit of the numerator; the divisor
    // 86400000000 is [864, 0000, 0000]: weight 2, first digit 864.
    let (weight1, first1) = if num == 0 {
        (0i64, 0i64)
    } else {
        let mut w = 0;
        let mut v = num;
        while v >= 10_000 {
            v /= 10_000;
            w += 1;
        }
        (w, v)
    };
    let mut qweight = weight1 - 2;
    if first1 <= 864 {
        qweight -= 1;
    }
    (16 - qweight * 4).max(0) as u32
}

/// `interval_part_common` (numeric variant).
fn interval_part(f: Field, i: &Interval) -> Option<ExtractValue> {
    use Field::*;
    let fin = |x: i64| Some(ExtractValue::Finite(x as i128, 0));
    let year = i.months / 12;
    let mon = i.months % 12;
    let time = i.micros;
    let hour = time / USECS_PER_HOUR;
    let min = time / USECS_PER_MINUTE % 60;
    let secs_us = time % USECS_PER_MINUTE;
    match f {
        Microseconds => fin(secs_us),
        Milliseconds => Some(ExtractValue::Finite(secs_us as i128, 3)),
        Second => Some(ExtractValue::Finite(secs_us as i128, 6)),
        Minute => fin(min),
        Hour => fin(hour),
        Day => fin(i.days as i64),
        Month => fin(mon as i64),
        Quarter => fin((mon / 3 + 1) as i64),
        Year => fin(year as i64),
        Decade => fin((year / 10) as i64),
        Century => fin((year / 100) as i64),
        Millennium => fin((year / 1000) as i64),
        Epoch => {
            let secs = ((4 * 365 + 1) as i128 * (i.months / 12) as i128
                + 4 * 30 * (i.months % 12) as i128
                + 4 * i.days as i128)
                * (SECS_PER_DAY as i128 / 4);
            Some(ExtractValue::Finite(
                secs * USECS_PER_SEC as i128 + time as i128,
                6,
            ))
        }
        _ => None,
    }
}

/// Truncates the broken-down time `tm` to `f` (shared by both `date_trunc`s).
fn trunc_tm(f: Field, tm: &mut Tm) {
    use Field::*;
    if f == Week {
        let j = tm.julian();
        let monday = j - (j2day(j) + 6) % 7;
        let (y, m, d) = j2date(monday);
        *tm = Tm {
            year: y,
            mon: m,
            mday: d,
            hour: 0,
            min: 0,
            sec: 0,
            usec: 0,
        };
        return;
    }
    let rank = |x: Field| match x {
        Millennium => 9,
        Century => 8,
        Decade => 7,
        Year => 6,
        Quarter => 5,
        Month => 4,
        Day => 3,
        Hour => 2,
        Minute => 1,
        Second => 0,
        _ => -1,
    };
    let r = rank(f);
    let y = tm.year;
    match f {
        Millennium => {
            tm.year = if y > 0 {
                ((y + 999) / 1000) * 1000 - 999
            } else {
                -((999 - (y - 1)) / 1000) * 1000 + 1
            }
        }
        Century => {
            tm.year = if y > 0 {
                ((y + 99) / 100) * 100 - 99
            } else {
                -((99 - (y - 1)) / 100) * 100 + 1
            }
        }
        Decade => {
            tm.year = if y > 0 {
                (y / 10) * 10
            } else {
                -((8 - (y - 1)) / 10) * 10
            }
        }
        Milliseconds => tm.usec = tm.usec / 1000 * 1000,
        _ => {}
    }
    if r >= 6 {
        tm.mon = 1;
    }
    if r >= 5 {
        tm.mon = 3 * ((tm.mon - 1) / 3) + 1;
    }
    if r >= 4 {
        tm.mday = 1;
    }
    if r >= 3 {
        tm.hour = 0;
    }
    if r >= 2 {
        tm.min = 0;
    }
    if r >= 1 {
        tm.sec = 0;
    }
    if r >= 0 {
        tm.usec = 0;
    }
}

/// Checks a `date_trunc` unit: the fields it truncates to, or the PG error.
fn trunc_field(name: &str, ty: &str) -> Result<Field, DatumError> {
    use Field::*;
    match field(name) {
        Some(
            f @ (Microseconds | Milliseconds | Second | Minute | Hour | Day | Week | Month
            | Quarter | Year | Decade | Century | Millennium),
        ) => Ok(f),
        Some(Timezone | TimezoneHour | TimezoneMinute) => Err(not_supported(name, ty)),
        _ => Err(not_recognized(name, ty)),
    }
}

/// `date_trunc(field, timestamp)`; infinities are returned unchanged before
/// the unit is even checked, as in PostgreSQL.
pub fn date_trunc(field: &str, t: Timestamp) -> Result<Timestamp, DatumError> {
    if !t.is_finite() {
        return Ok(t);
    }
    let f = trunc_field(field, "timestamp without time zone")?;
    let mut tm = timestamp2tm(t.0);
    trunc_tm(f, &mut tm);
    tm2timestamp(&tm).map(Timestamp)
}

/// `date_trunc(field, timestamptz)` in the session zone `tz`: truncates the
/// local time; for `day` and longer units the offset is looked up again
/// for the truncated local time, as PostgreSQL does.
pub fn date_trunc_tz(
    field: &str,
    t: TimestampTz,
    tz: &TimeZone,
) -> Result<TimestampTz, DatumError> {
    use Field::*;
    if !t.is_finite() {
        return Ok(t);
    }
    let f = trunc_field(field, "timestamp with time zone")?;
    let off = utc_offset_at(tz, t.0) as i64 * USECS_PER_SEC;
    let mut tm = timestamp2tm(t.0 + off);
    trunc_tm(f, &mut tm);
    let local = tm2timestamp(&tm)?;
    let redo = !matches!(f, Hour | Minute | Second | Milliseconds | Microseconds);
    if redo {
        local_to_utc(local, tz).map(TimestampTz)
    } else {
        Ok(TimestampTz(local - off))
    }
}

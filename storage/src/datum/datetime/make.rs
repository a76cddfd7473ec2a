//! Constructors behind SQL functions: `make_date`, `make_time`,
//! `make_timestamp(tz)`, `make_interval` and `to_timestamp(float8)`
//! (PostgreSQL 15 `date.c` / `timestamp.c`).

use jiff::tz::TimeZone;

use super::{
    Date, Interval, POSTGRES_EPOCH_JDATE, SECS_PER_DAY, Time, Timestamp, TimestampTz,
    UNIX_EPOCH_JDATE, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC, date2j,
    days_in_month, is_valid_julian, is_valid_timestamp, local_to_utc,
};
use crate::datum::DatumError;

/// `%02g` of the seconds argument, as PostgreSQL's messages print it.
fn fmt_sec(sec: f64) -> String {
    if sec.fract() == 0.0 && sec.abs() < 1e15 {
        format!("{:02}", sec as i64)
    } else {
        format!("{sec}")
    }
}

/// Year (negative = BC), month, day → astronomical (year, month, day), or
/// the 22008 "date field value out of range" error.
fn validate_ymd(year: i32, month: i32, day: i32) -> Result<(i32, i32, i32), DatumError> {
    let err = || {
        DatumError::DatetimeFieldOverflow(format!(
            "date field value out of range: {year}-{month:02}-{day:02}"
        ))
    };
    let astro = match year {
        0 => return Err(err()),
        y if y < 0 => y + 1,
        y => y,
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(astro, month) {
        return Err(err());
    }
    if !is_valid_julian(astro, month, day) {
        return Err(DatumError::DatetimeFieldOverflow(format!(
            "date out of range: {year}-{month:02}-{day:02}"
        )));
    }
    Ok((astro, month, day))
}

/// `float_time_overflows` then `tm2time`: µs since midnight.
fn time_micros(hour: i32, min: i32, sec: f64) -> Option<i64> {
    if !(0..=24).contains(&hour)
        || !(0..60).contains(&min)
        || sec.is_nan()
        || !(0.0..=60.0).contains(&sec)
    {
        return None;
    }
    let t = (hour as i64 * 60 + min as i64) * USECS_PER_MINUTE
        + (sec * USECS_PER_SEC as f64).round_ties_even() as i64;
    (t <= USECS_PER_DAY).then_some(t)
}

fn time_overflow(hour: i32, min: i32, sec: f64) -> DatumError {
    DatumError::DatetimeFieldOverflow(format!(
        "time field value out of range: {hour}:{min:02}:{}",
        fmt_sec(sec)
    ))
}

/// `make_date(year, month, day)`; a negative year is BC.
pub fn make_date(year: i32, month: i32, day: i32) -> Result<Date, DatumError> {
    let (y, m, d) = validate_ymd(year, month, day)?;
    Ok(Date(date2j(y, m, d) - POSTGRES_EPOCH_JDATE))
}

/// `make_time(hour, min, sec)`; `24:00:00` is allowed.
pub fn make_time(hour: i32, min: i32, sec: f64) -> Result<Time, DatumError> {
    time_micros(hour, min, sec)
        .map(Time)
        .ok_or_else(|| time_overflow(hour, min, sec))
}

/// `make_timestamp(year, month, day, hour, min, sec)`; a negative year is BC.
pub fn make_timestamp(
    year: i32,
    month: i32,
    day: i32,
    hour: i32,
    min: i32,
    sec: f64,
) -> Result<Timestamp, DatumError> {
    let (y, m, d) = validate_ymd(year, month, day)?;
    let time = time_micros(hour, min, sec).ok_or_else(|| time_overflow(hour, min, sec))?;
    let date = (date2j(y, m, d) - POSTGRES_EPOCH_JDATE) as i64;
    let v = date * USECS_PER_DAY + time;
    if !is_valid_timestamp(v) {
        return Err(DatumError::DatetimeFieldOverflow(format!(
            "timestamp out of range: {year}-{month:02}-{day:02} {hour}:{min:02}:{}",
            fmt_sec(sec)
        )));
    }
    Ok(Timestamp(v))
}

/// `make_timestamptz(year, month, day, hour, min, sec)` in the session zone `tz`.
pub fn make_timestamptz(
    year: i32,
    month: i32,
    day: i32,
    hour: i32,
    min: i32,
    sec: f64,
    tz: &TimeZone,
) -> Result<TimestampTz, DatumError> {
    let local = make_timestamp(year, month, day, hour, min, sec)?;
    local_to_utc(local.0, tz).map(TimestampTz)
}

/// `make_interval(years, months, weeks, days, hours, mins, secs)`. The
/// integer parts wrap on overflow exactly as PostgreSQL 15's do; a
/// non-finite `secs` is 22008 "interval out of range".
#[allow(clippy::too_many_arguments)]
pub fn make_interval(
    years: i32,
    months: i32,
    weeks: i32,
    days: i32,
    hours: i32,
    mins: i32,
    secs: f64,
) -> Result<Interval, DatumError> {
    let s = (secs * USECS_PER_SEC as f64).round_ties_even();
    if !s.is_finite() {
        return Err(super::interval_out_of_range());
    }
    Ok(Interval {
        months: years.wrapping_mul(12).wrapping_add(months),
        days: weeks.wrapping_mul(7).wrapping_add(days),
        micros: (hours as i64)
            .wrapping_mul(USECS_PER_HOUR)
            .wrapping_add((mins as i64).wrapping_mul(USECS_PER_MINUTE))
            .wrapping_add(s as i64),
    })
}

/// `to_timestamp(float8)`: Unix seconds → timestamptz; ±Infinity map to
/// ±infinity; NaN and out-of-range values are 22008.
pub fn timestamptz_from_unix(seconds: f64) -> Result<TimestampTz, DatumError> {
    if seconds.is_nan() {
        return Err(DatumError::DatetimeFieldOverflow(
            "timestamp cannot be NaN".into(),
        ));
    }
    if seconds == f64::INFINITY {
        return Ok(TimestampTz::INFINITY);
    }
    if seconds == f64::NEG_INFINITY {
        return Ok(TimestampTz::NEG_INFINITY);
    }
    let lo = SECS_PER_DAY as f64 * (0 - UNIX_EPOCH_JDATE) as f64;
    let hi = SECS_PER_DAY as f64 * (super::TIMESTAMP_END_JULIAN - UNIX_EPOCH_JDATE) as f64;
    let out = || {
        DatumError::DatetimeFieldOverflow(format!("timestamp out of range: \"{}\"", fmt_g(seconds)))
    };
    if seconds < lo || seconds >= hi {
        return Err(out());
    }
    let shifted =
        seconds - ((POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) as i64 * SECS_PER_DAY) as f64;
    let v = (shifted * USECS_PER_SEC as f64).round_ties_even() as i64;
    if !is_valid_timestamp(v) {
        return Err(out());
    }
    Ok(TimestampTz(v))
}

/// Roughly C's `%g` for the out-of-range message (`1e+20`).
fn fmt_g(x: f64) -> String {
    if x.abs() >= 1e6 || (x != 0.0 && x.abs() < 1e-4) {
        let s = format!("{x:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e:0>2}"),
            Some((m, e)) => format!("{m}e-{:0>2}", &e[1..]),
            None => s,
        }
    } else {
        format!("{x}")
    }
}

//! Text output: DateStyle `ISO, MDY` and IntervalStyle `postgres`, as
//! PostgreSQL 15's `EncodeDateOnly`, `EncodeTimeOnly`, `EncodeDateTime` and
//! `EncodeInterval` print them.

use std::fmt::{self, Write};

use jiff::tz::TimeZone;

use super::{
    Date, Interval, POSTGRES_EPOCH_JDATE, Time, Timestamp, TimestampTz, Tm, USECS_PER_HOUR,
    USECS_PER_MINUTE, USECS_PER_SEC, j2date, timestamp2tm, utc_offset_at,
};

/// `.ffffff` with trailing zeros dropped; nothing when `usec` is 0.
fn write_fraction<W: Write>(w: &mut W, usec: i64) -> fmt::Result {
    if usec == 0 {
        return Ok(());
    }
    let mut digits = 6;
    let mut v = usec;
    while v % 10 == 0 {
        v /= 10;
        digits -= 1;
    }
    write!(w, ".{:0width$}", v, width = digits)
}

fn write_ymd<W: Write>(w: &mut W, year: i32, mon: i32, mday: i32) -> fmt::Result {
    let y = if year > 0 { year } else { 1 - year };
    write!(w, "{y:04}-{mon:02}-{mday:02}")
}

fn write_tm<W: Write>(w: &mut W, tm: &Tm) -> fmt::Result {
    write_ymd(w, tm.year, tm.mon, tm.mday)?;
    write!(w, " {:02}:{:02}:{:02}", tm.hour, tm.min, tm.sec)?;
    write_fraction(w, tm.usec)
}

/// `EncodeTimezone`: `+01`, `-05:30`, `+00:19:32`.
fn write_offset<W: Write>(w: &mut W, east: i32) -> fmt::Result {
    let sign = if east >= 0 { '+' } else { '-' };
    let a = east.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    if s != 0 {
        write!(w, "{sign}{h:02}:{m:02}:{s:02}")
    } else if m != 0 {
        write!(w, "{sign}{h:02}:{m:02}")
    } else {
        write!(w, "{sign}{h:02}")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            i32::MIN => f.write_str("-infinity"),
            i32::MAX => f.write_str("infinity"),
            v => {
                let (y, m, d) = j2date(v.wrapping_add(POSTGRES_EPOCH_JDATE));
                write_ymd(f, y, m, d)?;
                if y <= 0 {
                    f.write_str(" BC")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(
            f,
            "{:02}:{:02}:{:02}",
            v / USECS_PER_HOUR,
            v / USECS_PER_MINUTE % 60,
            v / USECS_PER_SEC % 60
        )?;
        write_fraction(f, v % USECS_PER_SEC)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            i64::MIN => f.write_str("-infinity"),
            i64::MAX => f.write_str("infinity"),
            v => {
                let tm = timestamp2tm(v);
                write_tm(f, &tm)?;
                if tm.year <= 0 {
                    f.write_str(" BC")?;
                }
                Ok(())
            }
        }
    }
}

/// Appends `t` as PostgreSQL prints a `timestamptz` in zone `tz`.
pub(crate) fn write_timestamptz<W: Write>(w: &mut W, t: TimestampTz, tz: &TimeZone) {
    let _ = write_timestamptz_inner(w, t, tz);
}

fn write_timestamptz_inner<W: Write>(w: &mut W, t: TimestampTz, tz: &TimeZone) -> fmt::Result {
    match t.0 {
        i64::MIN => w.write_str("-infinity"),
        i64::MAX => w.write_str("infinity"),
        v => {
            let off = utc_offset_at(tz, v);
            let tm = timestamp2tm(v.saturating_add(off as i64 * USECS_PER_SEC));
            write_tm(w, &tm)?;
            write_offset(w, off)?;
            if tm.year <= 0 {
                w.write_str(" BC")?;
            }
            Ok(())
        }
    }
}

impl fmt::Display for Interval {
    /// IntervalStyle `postgres`: `1 year 2 mons -3 days +04:05:06.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let year = self.months / 12;
        let mon = self.months % 12;
        let mday = self.days;
        let time = self.micros;
        let hour = time / USECS_PER_HOUR;
        let min = time / USECS_PER_MINUTE % 60;
        let sec = time / USECS_PER_SEC % 60;
        let usec = time % USECS_PER_SEC;
        let mut is_zero = true;
        let mut is_before = false;
        for (value, unit) in [(year, "year"), (mon, "mon"), (mday, "day")] {
            if value == 0 {
                continue;
            }
            write!(
                f,
                "{}{}{} {}{}",
                if is_zero { "" } else { " " },
                if is_before && value > 0 { "+" } else { "" },
                value,
                unit,
                if value != 1 { "s" } else { "" }
            )?;
            is_before = value < 0;
            is_zero = false;
        }
        if is_zero || time != 0 {
            let minus = time < 0;
            write!(
                f,
                "{}{}{:02}:{:02}:{:02}",
                if is_zero { "" } else { " " },
                if minus {
                    "-"
                } else if is_before {
                    "+"
                } else {
                    ""
                },
                hour.unsigned_abs(),
                min.unsigned_abs(),
                sec.unsigned_abs()
            )?;
            write_fraction(f, usec.abs())?;
        }
        Ok(())
    }
}

//! Arbitrary-precision `numeric`, a port of the semantics of PostgreSQL's
//! `src/backend/utils/adt/numeric.c`.
//!
//! # Interface
//!
//! * `parse` / `FromStr` / `Display`: `numeric_in` / `numeric_out`.
//! * `apply_typmod`: coercion to `numeric(p, s)`.
//! * `add`, `sub`, `mul` (and `checked_*`), `div`, `div_trunc`, `rem`, `neg`,
//!   `abs`: the operators and `div()`/`mod()`.
//! * `round`, `trunc`, `ceil`, `floor`, `sign`, `sqrt`, `pow`, `ln`, `log`,
//!   `log10`, `exp`: the SQL functions of the same names.
//! * `from_i64`/`from_i128`/`from_f64`/`from_f32`, `to_i64`/`to_i32`/`to_i16`/
//!   `to_f64`/`to_f32`: casts.
//! * `write_binary` / `read_binary`: `numeric_send` / `numeric_recv`, also
//!   the on-disk form.
//! * `Eq`, `Ord`, `Hash`: `numeric_cmp` and `hash_numeric` semantics.
//!
//! # Representation
//!
//! A [`Numeric`] mirrors PostgreSQL's `NumericVar`:
//!
//! * `sign`: positive, negative, NaN, +Infinity or -Infinity;
//! * `digits`: base-10000 ("NBASE") digits, most significant first, each
//!   `0..=9999`, **normalised**: no leading and no trailing zero digits, so
//!   zero has no digits at all (and is never negative);
//! * `weight`: the power of 10000 of the first digit, so the value is
//!   `sum(digits[i] * 10000^(weight - i))`;
//! * `dscale`: the display scale, the number of decimal digits printed after
//!   the point. It is part of the value's identity for printing only: `1.0`
//!   and `1.00` compare and hash equal.
//!
//! For example `-1234567.891` is sign negative, weight 1, dscale 3 and digits
//! `[123, 4567, 8910]`.
//!
//! # Binary (wire) and on-disk format
//!
//! [`Numeric::write_binary`] produces exactly PostgreSQL's `numeric_send`
//! layout, all fields big-endian; the heap stores these same bytes, so the
//! on-disk form and the binary wire form are one format:
//!
//! ```text
//! +---------+--------+--------+--------+-----------------------------+
//! | ndigits | weight |  sign  | dscale | digits[0] ... digits[n-1]   |
//! |   i16   |  i16   |  u16   |  u16   | i16 each, 0..=9999          |
//! +---------+--------+--------+--------+-----------------------------+
//!   sign: 0x0000 positive, 0x4000 negative, 0xC000 NaN,
//!         0xD000 +Infinity, 0xF000 -Infinity (specials: ndigits 0,
//!         weight 0; dscale 0 for NaN and, as PostgreSQL sends it, 32 for
//!         the infinities; ignored on input)
//! ```
//!
//! [`Numeric::read_binary`] is `numeric_recv`: it rejects a bad sign, a
//! dscale above 0x3FFF, digits outside `0..=9999` and short or over-long
//! buffers (22P03), and truncates digits the dscale would hide.
//!
//! # Rounding and result scales
//!
//! * Rounding is always half away from zero (`round`, typmod coercion,
//!   conversion to integers, the last digit of a quotient or square root).
//! * `+`/`-`: scale is the larger input scale; `*`: the sum of the scales.
//! * `/`: PostgreSQL's `select_div_scale`: at least 16 significant digits,
//!   and never less than either input's scale (capped at 1000).
//! * `sqrt`: at least 16 significant digits, at least the input's scale.
//! * `ln`, `log`, `exp`: PostgreSQL's scale rules (at least 16 significant
//!   digits, at least the input scales), computed with its algorithms
//!   (square-root range reduction plus the atanh series for `ln`, halving
//!   plus Taylor series for `exp`) and 8 guard digits.
//! * `^` with an integer exponent: PostgreSQL 15's `power_var_int`, scale
//!   `max(16, base scale)`; otherwise PostgreSQL's `power_var`
//!   (`exp(exp * ln(base))`), scale chosen from the estimated result weight
//!   so that at least 16 significant digits are shown.
//!
//! Results whose weight no longer fits an `i16` or whose scale exceeds
//! 0x3FFF raise 22003 "value overflows numeric format" in every fallible
//! operation (`parse`, `div`, `pow`, `exp`, ..., and the `checked_*`
//! variants of `add`/`sub`/`mul`). The infallible `add`/`sub`/`mul` do not
//! check: callers that store or send their result should use `checked_*`.
//!
//! # Not done (yet)
//!
//! * Products follow PostgreSQL's `mul_var` (including its guard-digit
//!   truncation), but quotients are always computed exactly where
//!   PostgreSQL's transcendental code uses the approximate `div_var_fast`;
//!   the two can differ in the last digit when the exact value lies within
//!   about 10^-16 (relative) of a rounding boundary.
//! * The arithmetic is schoolbook (no Karatsuba): fine for the sizes SQL
//!   values usually have, slow (seconds in a debug build) for values or
//!   transcendental results with thousands of digits.
//! * `to_f64`/`to_f32` return infinities or zero where PostgreSQL raises
//!   22003 for values outside the float range.
//! * The typmod overflow error carries PostgreSQL's message only, not its
//!   detail ("A field with precision P, scale S must round to ...").

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::datum::DatumError;

/// The base of a digit.
const NBASE: u32 = 10000;
/// Decimal digits per base-10000 digit.
const DEC_DIGITS: i32 = 4;
/// Minimum number of significant digits of a quotient, square root or power.
const NUMERIC_MIN_SIG_DIGITS: i32 = 16;
/// Largest display scale a computed result gets.
const NUMERIC_MAX_DISPLAY_SCALE: i32 = 1000;
/// Largest scale `round`/`trunc` accept (larger requests are clamped).
const NUMERIC_MAX_RESULT_SCALE: i32 = 2000;
/// Largest exponent magnitude accepted in text input (PostgreSQL 15 bounds
/// it by `INT_MAX / 2`; the storage format limits do the real work).
const NUMERIC_MAX_EXPONENT: i64 = (i32::MAX / 2) as i64;
/// Largest dscale the storage format holds.
const NUMERIC_DSCALE_MAX: i32 = 0x3FFF;

const SIGN_POS: u16 = 0x0000;
const SIGN_NEG: u16 = 0x4000;
const SIGN_NAN: u16 = 0xC000;
const SIGN_PINF: u16 = 0xD000;
const SIGN_NINF: u16 = 0xF000;

/// The kind of a [`Numeric`] value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Sign {
    /// A finite value `>= 0`.
    Pos,
    /// A finite value `< 0`.
    Neg,
    /// Not a number; equal to itself, above everything else.
    NaN,
    /// +Infinity.
    PInf,
    /// -Infinity.
    NInf,
}

/// An arbitrary-precision decimal with PostgreSQL `numeric` semantics.
///
/// See the module documentation for the representation and its invariants.
#[derive(Clone, Debug)]
pub struct Numeric {
    /// Which kind of value this is; `Pos` for zero.
    sign: Sign,
    /// Power of 10000 of `digits[0]`; 0 for zero and the special values.
    weight: i32,
    /// Decimal digits shown after the point; 0 for the special values.
    dscale: i32,
    /// Base-10000 digits, most significant first, without leading or
    /// trailing zero digits.
    digits: Vec<i16>,
}

// ---------------------------------------------------------------------------
// Magnitude arithmetic: unsigned integers in base 10000, least significant
// digit first, with no high zero digits (zero is the empty vector).
// ---------------------------------------------------------------------------

type Mag = Vec<u32>;

fn mag_trim(m: &mut Mag) {
    while m.last() == Some(&0) {
        m.pop();
    }
}

fn mag_cmp(a: &[u32], b: &[u32]) -> Ordering {
    if a.len() != b.len() {
        return a.len().cmp(&b.len());
    }
    for i in (0..a.len()).rev() {
        match a[i].cmp(&b[i]) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

fn mag_add(a: &[u32], b: &[u32]) -> Mag {
    let n = a.len().max(b.len());
    let mut r = Vec::with_capacity(n + 1);
    let mut carry = 0;
    for i in 0..n {
        let s = a.get(i).copied().unwrap_or(0) + b.get(i).copied().unwrap_or(0) + carry;
        r.push(s % NBASE);
        carry = s / NBASE;
    }
    if carry > 0 {
        r.push(carry);
    }
    r
}

/// `a - b`, requires `a >= b`.
fn mag_sub(a: &[u32], b: &[u32]) -> Mag {
    let mut r = Vec::with_capacity(a.len());
    let mut borrow = 0i64;
    for (i, &ai) in a.iter().enumerate() {
        let mut t = ai as i64 - b.get(i).copied().unwrap_or(0) as i64 - borrow;
        if t < 0 {
            t += NBASE as i64;
            borrow = 1;
        } else {
            borrow = 0;
        }
        r.push(t as u32);
    }
    debug_assert_eq!(borrow, 0);
    mag_trim(&mut r);
    r
}

fn mag_mul_small(a: &[u32], m: u32) -> Mag {
    let mut r = Vec::with_capacity(a.len() + 1);
    let mut carry = 0u64;
    for &x in a {
        let s = x as u64 * m as u64 + carry;
        r.push((s % NBASE as u64) as u32);
        carry = s / NBASE as u64;
    }
    while carry > 0 {
        r.push((carry % NBASE as u64) as u32);
        carry /= NBASE as u64;
    }
    mag_trim(&mut r);
    r
}

fn mag_divmod_small(a: &[u32], d: u32) -> (Mag, u32) {
    let mut q = vec![0u32; a.len()];
    let mut rem = 0u64;
    for i in (0..a.len()).rev() {
        let cur = rem * NBASE as u64 + a[i] as u64;
        q[i] = (cur / d as u64) as u32;
        rem = cur % d as u64;
    }
    mag_trim(&mut q);
    (q, rem as u32)
}

/// Multiplies by `NBASE^n`.
fn mag_shift(a: &[u32], n: usize) -> Mag {
    if a.is_empty() {
        return Vec::new();
    }
    let mut r = vec![0u32; n];
    r.extend_from_slice(a);
    r
}

/// Quotient and remainder (Knuth's algorithm D in base 10000). `b` nonzero.
fn mag_divmod(a: &[u32], b: &[u32]) -> (Mag, Mag) {
    debug_assert!(!b.is_empty());
    if mag_cmp(a, b) == Ordering::Less {
        return (Vec::new(), a.to_vec());
    }
    if b.len() == 1 {
        let (q, r) = mag_divmod_small(a, b[0]);
        let mut r = vec![r];
        mag_trim(&mut r);
        return (q, r);
    }
    let n = b.len();
    let d = NBASE / (b[n - 1] + 1);
    let mut u = a.to_vec();
    u = mag_mul_small(&u, d);
    u.resize(a.len() + 1, 0);
    let v = mag_mul_small(b, d);
    debug_assert_eq!(v.len(), n);
    let m = a.len() - n;
    let base = NBASE as u64;
    let mut q = vec![0u32; m + 1];
    for j in (0..=m).rev() {
        let num = u[j + n] as u64 * base + u[j + n - 1] as u64;
        let mut qhat = num / v[n - 1] as u64;
        let mut rhat = num % v[n - 1] as u64;
        while qhat >= base || qhat * v[n - 2] as u64 > rhat * base + u[j + n - 2] as u64 {
            qhat -= 1;
            rhat += v[n - 1] as u64;
            if rhat >= base {
                break;
            }
        }
        // Multiply and subtract.
        let mut borrow = 0i64;
        let mut carry = 0u64;
        for i in 0..n {
            let p = qhat * v[i] as u64 + carry;
            carry = p / base;
            let t = u[i + j] as i64 - (p % base) as i64 - borrow;
            if t < 0 {
                u[i + j] = (t + base as i64) as u32;
                borrow = 1;
            } else {
                u[i + j] = t as u32;
                borrow = 0;
            }
        }
        let t = u[j + n] as i64 - carry as i64 - borrow;
        if t < 0 {
            // qhat was one too large: add the divisor back.
            u[j + n] = (t + base as i64) as u32;
            qhat -= 1;
            let mut c = 0u32;
            for i in 0..n {
                let s = u[i + j] + v[i] + c;
                u[i + j] = s % NBASE;
                c = s / NBASE;
            }
            u[j + n] = (u[j + n] + c) % NBASE;
        } else {
            u[j + n] = t as u32;
        }
        q[j] = qhat as u32;
    }
    mag_trim(&mut q);
    u.truncate(n);
    mag_trim(&mut u);
    let (r, _) = mag_divmod_small(&u, d);
    (q, r)
}

/// `floor(sqrt(a))` by Newton's iteration from above.
fn mag_isqrt(a: &[u32]) -> Mag {
    if a.is_empty() {
        return Vec::new();
    }
    // Start from an upper bound within a factor 2 of the root: with
    // a < (top + 1) * NBASE^(2h), sqrt(a) < (floor(sqrt(top + 1)) + 1) * NBASE^h.
    let h = (a.len() - 1) / 2;
    let top = a[2 * h..]
        .iter()
        .rev()
        .fold(0u64, |acc, &d| acc * NBASE as u64 + d as u64);
    let start = ((top + 1) as f64).sqrt() as u64 + 2;
    let mut start_mag = Vec::new();
    let mut t = start;
    while t > 0 {
        start_mag.push((t % NBASE as u64) as u32);
        t /= NBASE as u64;
    }
    let mut x = mag_shift(&start_mag, h);
    loop {
        let (q, _) = mag_divmod(a, &x);
        let (y, _) = mag_divmod_small(&mag_add(&x, &q), 2);
        if mag_cmp(&y, &x) != Ordering::Less {
            return x;
        }
        x = y;
    }
}

const POW10: [u32; 4] = [1, 10, 100, 1000];

/// Multiplies by `10^k`, `k >= 0`.
fn mag_mul_pow10(a: &[u32], k: i64) -> Mag {
    let shifted = mag_shift(a, (k / 4) as usize);
    mag_mul_small(&shifted, POW10[(k % 4) as usize])
}

/// Divides by `10^k`, `k >= 0`, truncating.
fn mag_div_pow10(a: &[u32], k: i64) -> Mag {
    let drop = (k / 4) as usize;
    if drop >= a.len() {
        return Vec::new();
    }
    mag_divmod_small(&a[drop..], POW10[(k % 4) as usize]).0
}

// ---------------------------------------------------------------------------
// Var: the working form of a finite value, `mag * NBASE^exp`.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Var {
    neg: bool,
    mag: Mag,
    exp: i32,
    dscale: i32,
}

impl Var {
    fn zero(dscale: i32) -> Var {
        Var {
            neg: false,
            mag: Vec::new(),
            exp: 0,
            dscale,
        }
    }

    fn is_zero(&self) -> bool {
        self.mag.is_empty()
    }

    /// `mag * 10^-dec_scale` with display scale `dscale`.
    fn from_scaled(neg: bool, mag: Mag, dec_scale: i64, dscale: i32) -> Var {
        let c = dec_scale.div_euclid(4) + i64::from(dec_scale.rem_euclid(4) != 0);
        let mag = mag_mul_pow10(&mag, 4 * c - dec_scale);
        Var {
            neg,
            mag,
            exp: -(c as i32),
            dscale,
        }
    }

    /// Rounds (half away from zero) or truncates at decimal position
    /// `rscale` (may be negative) and sets the display scale to `rscale`.
    fn round_to(&mut self, rscale: i32, round: bool) {
        self.dscale = rscale;
        // Decimal digits below the requested position held by mag.
        let k = -(self.exp as i64) * 4 - rscale as i64;
        if k <= 0 || self.mag.is_empty() {
            self.strip_low();
            return;
        }
        let k = k as usize;
        // First dropped decimal digit (position k-1).
        let idx = (k - 1) / 4;
        let first_dropped = match self.mag.get(idx) {
            Some(&d) => (d / POW10[(k - 1) % 4]) % 10,
            None => 0,
        };
        let whole = k / 4;
        let part = k % 4;
        if whole >= self.mag.len() {
            self.mag.clear();
        } else {
            for d in self.mag.iter_mut().take(whole) {
                *d = 0;
            }
            let p = POW10[part];
            self.mag[whole] -= self.mag[whole] % p;
        }
        if round && first_dropped >= 5 {
            if self.mag.len() <= whole {
                self.mag.resize(whole + 1, 0);
            }
            let mut i = whole;
            let mut carry = POW10[part];
            while carry > 0 {
                if i == self.mag.len() {
                    self.mag.push(0);
                }
                let s = self.mag[i] + carry;
                self.mag[i] = s % NBASE;
                carry = s / NBASE;
                i += 1;
            }
        }
        self.strip_low();
    }

    /// Drops low zero digits (raising `exp`) so magnitudes stay small.
    fn strip_low(&mut self) {
        mag_trim(&mut self.mag);
        let low = self.mag.iter().take_while(|&&d| d == 0).count();
        if low == self.mag.len() {
            self.mag.clear();
            self.exp = 0;
            self.neg = false;
        } else if low > 0 {
            self.mag.drain(..low);
            self.exp += low as i32;
        }
    }

    fn round(mut self, rscale: i32) -> Var {
        self.round_to(rscale, true);
        self
    }

    fn trunc(mut self, rscale: i32) -> Var {
        self.round_to(rscale, false);
        self
    }

    /// Aligns two magnitudes to the smaller exponent.
    fn align(a: &Var, b: &Var) -> (Mag, Mag, i32) {
        let e = a.exp.min(b.exp);
        (
            mag_shift(&a.mag, (a.exp - e) as usize),
            mag_shift(&b.mag, (b.exp - e) as usize),
            e,
        )
    }

    fn add(a: &Var, b: &Var) -> Var {
        let dscale = a.dscale.max(b.dscale);
        if a.is_zero() {
            return Var {
                dscale,
                ..b.clone()
            };
        }
        if b.is_zero() {
            return Var {
                dscale,
                ..a.clone()
            };
        }
        let (ma, mb, exp) = Var::align(a, b);
        let (neg, mag) = if a.neg == b.neg {
            (a.neg, mag_add(&ma, &mb))
        } else {
            match mag_cmp(&ma, &mb) {
                Ordering::Equal => (false, Vec::new()),
                Ordering::Greater => (a.neg, mag_sub(&ma, &mb)),
                Ordering::Less => (b.neg, mag_sub(&mb, &ma)),
            }
        };
        let mut v = Var {
            neg: neg && !mag.is_empty(),
            mag,
            exp,
            dscale,
        };
        v.strip_low();
        v
    }

    fn negated(&self) -> Var {
        Var {
            neg: !self.neg && !self.is_zero(),
            ..self.clone()
        }
    }

    fn sub(a: &Var, b: &Var) -> Var {
        Var::add(a, &b.negated())
    }

    /// The product rounded to `rscale`, computed as PostgreSQL's `mul_var`
    /// does: partial products that only reach more than two base digits
    /// (`MUL_GUARD_DIGITS`) past `rscale` are skipped, so the result is the
    /// exactly rounded product unless a carry out of the skipped positions
    /// would have crossed both guard digits (and then matches PostgreSQL).
    fn mul(a: &Var, b: &Var, rscale: i32) -> Var {
        const MUL_GUARD_DIGITS: i64 = 2;
        let (mut a, mut b) = (a.clone(), b.clone());
        a.strip_low();
        b.strip_low();
        if a.is_zero() || b.is_zero() {
            return Var::zero(rscale);
        }
        let neg = a.neg != b.neg;
        // Most significant digit first, as in PostgreSQL.
        let d1: Vec<u64> = a.mag.iter().rev().map(|&d| d as u64).collect();
        let d2: Vec<u64> = b.mag.iter().rev().map(|&d| d as u64).collect();
        let res_weight = a.weight() as i64 + b.weight() as i64 + 2;
        let maxdigits =
            res_weight + 1 + c_div(rscale as i64 + DEC_DIGITS as i64 - 1, 4) + MUL_GUARD_DIGITS;
        let res_ndigits = ((d1.len() + d2.len() + 1) as i64).min(maxdigits);
        if res_ndigits < 3 {
            return Var::zero(rscale);
        }
        let res_ndigits = res_ndigits as usize;
        let mut acc = vec![0u64; res_ndigits];
        let top1 = (d1.len() - 1).min(res_ndigits - 3);
        for (i1, &x) in d1.iter().enumerate().take(top1 + 1) {
            if x == 0 {
                continue;
            }
            let top2 = (d2.len() - 1).min(res_ndigits - 3 - i1);
            for (slot, &y) in acc[i1 + 2..].iter_mut().zip(&d2[..=top2]) {
                *slot += x * y;
            }
        }
        let mut mag = Vec::with_capacity(res_ndigits + 2);
        let mut carry = 0u64;
        for slot in acc.iter().rev() {
            let t = *slot + carry;
            mag.push((t % NBASE as u64) as u32);
            carry = t / NBASE as u64;
        }
        while carry > 0 {
            mag.push((carry % NBASE as u64) as u32);
            carry /= NBASE as u64;
        }
        let v = Var {
            neg,
            mag,
            exp: (res_weight - (res_ndigits as i64 - 1)) as i32,
            dscale: rscale,
        };
        let mut v = v.round(rscale);
        v.neg = v.neg && !v.is_zero();
        v
    }

    /// The quotient to `rscale` decimal places, rounded or truncated
    /// (PostgreSQL's `div_var`).
    fn div(a: &Var, b: &Var, rscale: i32, round: bool) -> Result<Var, DatumError> {
        if b.is_zero() {
            return Err(DatumError::DivisionByZero);
        }
        if a.is_zero() {
            return Ok(Var::zero(rscale));
        }
        // Fraction base digits to compute: enough for rscale + 1 decimals.
        let k = (rscale.div_euclid(DEC_DIGITS) + 1).max(0);
        let shift = a.exp as i64 - b.exp as i64 + k as i64;
        let (num, den) = if shift >= 0 {
            (mag_shift(&a.mag, shift as usize), b.mag.clone())
        } else {
            (a.mag.clone(), mag_shift(&b.mag, (-shift) as usize))
        };
        let (q, _) = mag_divmod(&num, &den);
        let v = Var {
            neg: (a.neg != b.neg) && !q.is_empty(),
            mag: q,
            exp: -k,
            dscale: rscale,
        };
        let mut v = v;
        v.round_to(rscale, round);
        v.neg = v.neg && !v.is_zero();
        Ok(v)
    }

    fn cmp_abs(a: &Var, b: &Var) -> Ordering {
        let (ma, mb, _) = Var::align(a, b);
        mag_cmp(&ma, &mb)
    }

    /// Weight (power of NBASE of the leading digit), for nonzero values.
    fn weight(&self) -> i32 {
        self.exp + self.mag.len() as i32 - 1
    }
}

// ---------------------------------------------------------------------------
// Conversions between Numeric and Var.
// ---------------------------------------------------------------------------

impl Numeric {
    fn special(sign: Sign) -> Numeric {
        Numeric {
            sign,
            weight: 0,
            dscale: 0,
            digits: Vec::new(),
        }
    }

    fn is_special(&self) -> bool {
        matches!(self.sign, Sign::NaN | Sign::PInf | Sign::NInf)
    }

    fn to_var(&self) -> Var {
        let mag: Mag = self.digits.iter().rev().map(|&d| d as u32).collect();
        Var {
            neg: self.sign == Sign::Neg,
            exp: self.weight - self.digits.len() as i32 + 1,
            mag,
            dscale: self.dscale,
        }
    }

    /// Normalises a Var into a Numeric (PostgreSQL's `strip_var`), without
    /// checking the storage limits.
    fn from_var(v: Var) -> Numeric {
        let mut mag = v.mag;
        mag_trim(&mut mag);
        let low = mag.iter().take_while(|&&d| d == 0).count();
        if low == mag.len() {
            return Numeric {
                sign: Sign::Pos,
                weight: 0,
                dscale: v.dscale.max(0),
                digits: Vec::new(),
            };
        }
        let exp = v.exp + low as i32;
        let digits: Vec<i16> = mag[low..].iter().rev().map(|&d| d as i16).collect();
        Numeric {
            sign: if v.neg { Sign::Neg } else { Sign::Pos },
            weight: exp + digits.len() as i32 - 1,
            dscale: v.dscale.max(0),
            digits,
        }
    }

    /// `from_var` plus PostgreSQL's `make_result` limits.
    fn make_result(v: Var) -> Result<Numeric, DatumError> {
        let n = Numeric::from_var(v);
        n.check_format()?;
        Ok(n)
    }

    fn check_format(&self) -> Result<(), DatumError> {
        if self.weight > i16::MAX as i32
            || self.weight < i16::MIN as i32
            || self.dscale > NUMERIC_DSCALE_MAX
        {
            return Err(overflow_format());
        }
        Ok(())
    }

    /// -1, 0 or 1 by sign (the infinities count as -1 and 1; NaN as 0).
    fn sign_int(&self) -> i32 {
        match self.sign {
            Sign::NaN => 0,
            Sign::PInf => 1,
            Sign::NInf => -1,
            Sign::Neg => -1,
            Sign::Pos => i32::from(!self.digits.is_empty()),
        }
    }

    fn is_integral(&self) -> bool {
        match self.sign {
            Sign::NaN => false,
            Sign::PInf | Sign::NInf => true,
            _ => self.digits.is_empty() || self.digits.len() as i32 <= self.weight + 1,
        }
    }
}

fn overflow_format() -> DatumError {
    DatumError::NumericValueOutOfRange("value overflows numeric format".into())
}

fn log_negative() -> DatumError {
    DatumError::Other {
        code: "2201E",
        message: "cannot take logarithm of a negative number".into(),
    }
}

fn log_zero() -> DatumError {
    DatumError::Other {
        code: "2201E",
        message: "cannot take logarithm of zero".into(),
    }
}

fn c_isspace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

// ---------------------------------------------------------------------------
// Public API.
// ---------------------------------------------------------------------------

impl Numeric {
    /// `NaN`.
    pub fn nan() -> Self {
        Numeric::special(Sign::NaN)
    }

    /// `Infinity`.
    pub fn infinity() -> Self {
        Numeric::special(Sign::PInf)
    }

    /// `-Infinity`.
    pub fn neg_infinity() -> Self {
        Numeric::special(Sign::NInf)
    }

    /// `0` (scale 0).
    pub fn zero() -> Self {
        Numeric::special(Sign::Pos)
    }

    /// Whether this is `NaN`.
    pub fn is_nan(&self) -> bool {
        self.sign == Sign::NaN
    }

    /// Whether this is `Infinity` or `-Infinity`.
    pub fn is_infinite(&self) -> bool {
        matches!(self.sign, Sign::PInf | Sign::NInf)
    }

    /// Whether this is a (finite) zero, of any scale.
    pub fn is_zero(&self) -> bool {
        self.sign == Sign::Pos && self.digits.is_empty()
    }

    /// Whether this is below zero (including `-Infinity`; not `NaN`).
    pub fn is_negative(&self) -> bool {
        matches!(self.sign, Sign::Neg | Sign::NInf)
    }

    /// The integer `v`, scale 0.
    pub fn from_i64(v: i64) -> Self {
        Numeric::from_i128(v as i128)
    }

    /// The integer `v`, scale 0.
    pub fn from_i128(v: i128) -> Self {
        let mut u = v.unsigned_abs();
        let mut mag = Vec::new();
        while u > 0 {
            mag.push((u % NBASE as u128) as u32);
            u /= NBASE as u128;
        }
        Numeric::from_var(Var {
            neg: v < 0,
            mag,
            exp: 0,
            dscale: 0,
        })
    }

    /// PostgreSQL's `float8_numeric`: the value printed with 15 significant
    /// digits (`%.15g`) and read back; NaN and the infinities map to their
    /// numeric counterparts.
    pub fn from_f64(v: f64) -> Result<Self, DatumError> {
        if v.is_nan() {
            return Ok(Numeric::nan());
        }
        if v.is_infinite() {
            return Ok(if v > 0.0 {
                Numeric::infinity()
            } else {
                Numeric::neg_infinity()
            });
        }
        Numeric::parse(&g_format(format!("{:.*e}", 14, v)))
    }

    /// PostgreSQL's `float4_numeric`: like [`Numeric::from_f64`] with 6
    /// significant digits (`FLT_DIG`).
    pub fn from_f32(v: f32) -> Result<Self, DatumError> {
        if v.is_nan() {
            return Ok(Numeric::nan());
        }
        if v.is_infinite() {
            return Ok(if v > 0.0 {
                Numeric::infinity()
            } else {
                Numeric::neg_infinity()
            });
        }
        Numeric::parse(&g_format(format!("{:.*e}", 5, v)))
    }

    /// PostgreSQL's `numeric_in` (without a typmod): optional surrounding
    /// whitespace, `NaN`, `[+-]Infinity`, `[+-]inf` (any case), or
    /// `[+-]digits[.digits][e[+-]digits]`. The scale is the number of digits
    /// after the point minus the exponent, at least 0.
    ///
    /// Errors: 22P02 for bad syntax, 22003 "value overflows numeric format"
    /// for an exponent beyond ±1000 or a value the format cannot hold.
    pub fn parse(s: &str) -> Result<Self, DatumError> {
        let bad = || DatumError::invalid_text("numeric", s);
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() && c_isspace(b[i]) {
            i += 1;
        }
        let rest = &b[i..];
        let starts =
            |p: &str| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p.as_bytes());
        let special = if starts("NaN") {
            Some((Numeric::nan(), 3))
        } else if starts("Infinity") {
            Some((Numeric::infinity(), 8))
        } else if starts("+Infinity") {
            Some((Numeric::infinity(), 9))
        } else if starts("-Infinity") {
            Some((Numeric::neg_infinity(), 9))
        } else if starts("inf") {
            Some((Numeric::infinity(), 3))
        } else if starts("+inf") {
            Some((Numeric::infinity(), 4))
        } else if starts("-inf") {
            Some((Numeric::neg_infinity(), 4))
        } else {
            None
        };
        if let Some((n, len)) = special {
            if rest[len..].iter().all(|&c| c_isspace(c)) {
                return Ok(n);
            }
            return Err(bad());
        }

        let mut neg = false;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                neg = true;
                i += 1
            }
            _ => {}
        }
        let mut have_dp = false;
        if b.get(i) == Some(&b'.') {
            have_dp = true;
            i += 1;
        }
        if !b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let mut decimal: Vec<u8> = Vec::new();
        let mut frac: i64 = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_digit() {
                decimal.push(c - b'0');
                if have_dp {
                    frac += 1;
                }
                i += 1;
            } else if c == b'.' {
                if have_dp {
                    return Err(bad());
                }
                have_dp = true;
                i += 1;
            } else {
                break;
            }
        }
        let mut exponent: i64 = 0;
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            // strtol: optional whitespace, optional sign, digits.
            let mut j = i;
            while j < b.len() && c_isspace(b[j]) {
                j += 1;
            }
            let mut eneg = false;
            if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                eneg = b[j] == b'-';
                j += 1;
            }
            let start = j;
            let mut big = false;
            while j < b.len() && b[j].is_ascii_digit() {
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add((b[j] - b'0') as i64);
                if exponent > NUMERIC_MAX_EXPONENT {
                    big = true;
                }
                j += 1;
            }
            if j == start {
                return Err(bad());
            }
            if big {
                return Err(overflow_format());
            }
            if eneg {
                exponent = -exponent;
            }
            i = j;
        }
        if !b[i..].iter().all(|&c| c_isspace(c)) {
            return Err(bad());
        }
        let dscale = (frac - exponent).max(0);
        // Base-10000 magnitude of the digit string, least significant first.
        let mut mag = Vec::with_capacity(decimal.len() / 4 + 1);
        for chunk in decimal.rchunks(4) {
            mag.push(chunk.iter().fold(0u32, |acc, &d| acc * 10 + d as u32));
        }
        mag_trim(&mut mag);
        // Reject what cannot fit before materialising huge magnitudes.
        let int_digits = decimal.len() as i64 - frac + exponent;
        if dscale > NUMERIC_DSCALE_MAX as i64
            || (!mag.is_empty() && int_digits > (i16::MAX as i64 + 2) * DEC_DIGITS as i64)
        {
            return Err(overflow_format());
        }
        let v = Var::from_scaled(neg, mag, frac - exponent, dscale as i32);
        let mut n = Numeric::from_var(v);
        if n.is_zero() {
            n.sign = Sign::Pos;
        }
        n.check_format()?;
        Ok(n)
    }

    /// PostgreSQL's `apply_typmod`: coerces to `numeric(p, s)`. A typmod
    /// below 4 (e.g. -1) means "no constraint". Otherwise
    /// `precision = ((typmod - 4) >> 16) & 0xffff` and the scale is the low
    /// 11 bits of `typmod - 4`, sign-extended (PostgreSQL 15 allows negative
    /// scales and scales above the precision). The value is rounded half away
    /// from zero to the scale; if it then needs more than
    /// `precision - scale` integer digits, or is infinite, the result is
    /// 22003 "numeric field overflow". NaN passes.
    pub fn apply_typmod(&self, typmod: i32) -> Result<Self, DatumError> {
        if typmod < 4 {
            return Ok(self.clone());
        }
        let precision = ((typmod - 4) >> 16) & 0xffff;
        let scale = (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
        let field_overflow = || DatumError::NumericValueOutOfRange("numeric field overflow".into());
        match self.sign {
            Sign::NaN => return Ok(self.clone()),
            Sign::PInf | Sign::NInf => return Err(field_overflow()),
            _ => {}
        }
        let maxdigits = precision - scale;
        let mut n = Numeric::from_var(self.to_var().round(scale));
        if n.dscale < 0 {
            n.dscale = 0;
        }
        if let Some(&first) = n.digits.first() {
            let mut ddigits = (n.weight + 1) * DEC_DIGITS;
            if first < 10 {
                ddigits -= 3;
            } else if first < 100 {
                ddigits -= 2;
            } else if first < 1000 {
                ddigits -= 1;
            }
            if ddigits > maxdigits {
                return Err(field_overflow());
            }
        }
        Ok(n)
    }

    /// `self + o`; the scale is the larger input scale.
    pub fn add(&self, o: &Self) -> Self {
        if self.is_special() || o.is_special() {
            return add_special(self, o);
        }
        Numeric::from_var(Var::add(&self.to_var(), &o.to_var()))
    }

    /// `self - o`; the scale is the larger input scale.
    pub fn sub(&self, o: &Self) -> Self {
        self.add(&o.neg())
    }

    /// `self * o`; the scale is the sum of the input scales.
    pub fn mul(&self, o: &Self) -> Self {
        if self.is_special() || o.is_special() {
            return mul_special(self, o);
        }
        let (a, b) = (self.to_var(), o.to_var());
        Numeric::from_var(Var::mul(&a, &b, a.dscale + b.dscale))
    }

    /// [`Numeric::add`], failing with 22003 "value overflows numeric format"
    /// if the result does not fit the storage format.
    pub fn checked_add(&self, o: &Self) -> Result<Self, DatumError> {
        let r = self.add(o);
        r.check_format()?;
        Ok(r)
    }

    /// [`Numeric::sub`], checked like [`Numeric::checked_add`].
    pub fn checked_sub(&self, o: &Self) -> Result<Self, DatumError> {
        let r = self.sub(o);
        r.check_format()?;
        Ok(r)
    }

    /// [`Numeric::mul`], checked like [`Numeric::checked_add`].
    pub fn checked_mul(&self, o: &Self) -> Result<Self, DatumError> {
        let r = self.mul(o);
        r.check_format()?;
        Ok(r)
    }

    /// `self / o` (`numeric_div`), rounded half away from zero to the scale
    /// chosen by PostgreSQL's `select_div_scale`. Errors: 22012 on a zero
    /// divisor (also `±Infinity / 0`). `x / ±Infinity` is 0, `Infinity /
    /// Infinity` is NaN.
    pub fn div(&self, o: &Self) -> Result<Self, DatumError> {
        if self.is_special() || o.is_special() {
            return div_special(self, o);
        }
        let (a, b) = (self.to_var(), o.to_var());
        let rscale = select_div_scale(self, o);
        Numeric::make_result(Var::div(&a, &b, rscale, true)?)
    }

    /// `div(self, o)`: the quotient truncated toward zero, scale 0.
    pub fn div_trunc(&self, o: &Self) -> Result<Self, DatumError> {
        if self.is_special() || o.is_special() {
            return div_special(self, o);
        }
        Numeric::make_result(Var::div(&self.to_var(), &o.to_var(), 0, false)?)
    }

    /// `self % o` (`numeric_mod`): `self - trunc(self / o) * o`, with the
    /// sign of `self` and the larger input scale. `±Infinity % x` is NaN,
    /// `x % ±Infinity` is `x`; a zero divisor is 22012.
    pub fn rem(&self, o: &Self) -> Result<Self, DatumError> {
        if self.is_special() || o.is_special() {
            if self.is_nan() || o.is_nan() {
                return Ok(Numeric::nan());
            }
            if self.is_infinite() {
                if o.is_zero() {
                    return Err(DatumError::DivisionByZero);
                }
                return Ok(Numeric::nan());
            }
            return Ok(self.clone());
        }
        let (a, b) = (self.to_var(), o.to_var());
        let q = Var::div(&a, &b, 0, false)?;
        let p = Var::mul(&q, &b, b.dscale);
        Numeric::make_result(Var::sub(&a, &p))
    }

    /// `-self`; zero stays zero, the infinities swap.
    pub fn neg(&self) -> Self {
        let mut r = self.clone();
        r.sign = match self.sign {
            Sign::Pos if self.digits.is_empty() => Sign::Pos,
            Sign::Pos => Sign::Neg,
            Sign::Neg => Sign::Pos,
            Sign::NaN => Sign::NaN,
            Sign::PInf => Sign::NInf,
            Sign::NInf => Sign::PInf,
        };
        r
    }

    /// `abs(self)`.
    pub fn abs(&self) -> Self {
        let mut r = self.clone();
        r.sign = match self.sign {
            Sign::Neg => Sign::Pos,
            Sign::NInf => Sign::PInf,
            s => s,
        };
        r
    }

    /// `round(self, scale)`: half away from zero at `scale` decimal places
    /// (negative: to the left of the point); the result's scale is
    /// `max(scale, 0)`. `scale` is clamped to ±2000. Specials are unchanged.
    pub fn round(&self, scale: i32) -> Self {
        self.round_or_trunc(scale, true)
    }

    /// `trunc(self, scale)`: like [`Numeric::round`] but toward zero.
    pub fn trunc(&self, scale: i32) -> Self {
        self.round_or_trunc(scale, false)
    }

    fn round_or_trunc(&self, scale: i32, round: bool) -> Self {
        if self.is_special() {
            return self.clone();
        }
        let scale = scale.clamp(-NUMERIC_MAX_RESULT_SCALE, NUMERIC_MAX_RESULT_SCALE);
        let mut v = self.to_var();
        v.round_to(scale, round);
        v.dscale = v.dscale.max(0);
        Numeric::from_var(v)
    }

    /// The smallest integer `>= self`, scale 0.
    pub fn ceil(&self) -> Self {
        if self.is_special() {
            return self.clone();
        }
        let v = self.to_var();
        let t = v.clone().trunc(0);
        let r = if !v.neg && Var::cmp_abs(&v, &t) != Ordering::Equal {
            Var::add(&t, &Numeric::from_i64(1).to_var())
        } else {
            t
        };
        Numeric::from_var(r)
    }

    /// The largest integer `<= self`, scale 0.
    pub fn floor(&self) -> Self {
        if self.is_special() {
            return self.clone();
        }
        let v = self.to_var();
        let t = v.clone().trunc(0);
        let r = if v.neg && Var::cmp_abs(&v, &t) != Ordering::Equal {
            Var::sub(&t, &Numeric::from_i64(1).to_var())
        } else {
            t
        };
        Numeric::from_var(r)
    }

    /// `sign(self)`: -1, 0 or 1 (scale 0); NaN for NaN.
    pub fn sign(&self) -> Self {
        if self.is_nan() {
            return Numeric::nan();
        }
        Numeric::from_i64(self.sign_int() as i64)
    }

    /// `sqrt(self)`, rounded half away from zero to at least 16 significant
    /// digits and at least the input's scale (at most 1000). Negative input
    /// (including `-Infinity`) is 2201F.
    pub fn sqrt(&self) -> Result<Self, DatumError> {
        match self.sign {
            Sign::NaN | Sign::PInf => return Ok(self.clone()),
            Sign::Neg | Sign::NInf => {
                return Err(DatumError::Other {
                    code: "2201F",
                    message: "cannot take square root of a negative number".into(),
                });
            }
            Sign::Pos => {}
        }
        let sweight = c_div(((self.weight + 1) * DEC_DIGITS) as i64, 2) as i32 - 1;
        let rscale = (NUMERIC_MIN_SIG_DIGITS - sweight)
            .max(self.dscale)
            .clamp(0, NUMERIC_MAX_DISPLAY_SCALE);
        Numeric::make_result(sqrt_var(&self.to_var(), rscale))
    }

    /// `self ^ exp` (`numeric_power`). Exponents that fit an `i32` follow
    /// PostgreSQL 15's `power_var_int` (result scale `max(16, base scale)`),
    /// others `power_var` via `ln`/`exp`. NaN, infinity and error rules are
    /// PostgreSQL's: `0 ^ negative` and `negative ^ non-integer` are 2201F,
    /// results beyond the format are 22003.
    pub fn pow(&self, exp: &Self) -> Result<Self, DatumError> {
        let one = Numeric::from_i64(1);
        if self.is_nan() {
            if !exp.is_special() && exp.is_zero() {
                return Ok(one);
            }
            return Ok(Numeric::nan());
        }
        if exp.is_nan() {
            if !self.is_special() && self.cmp(&one) == Ordering::Equal {
                return Ok(one);
            }
            return Ok(Numeric::nan());
        }
        let sign1 = self.sign_int();
        let sign2 = exp.sign_int();
        if sign1 == 0 && sign2 < 0 {
            return Err(DatumError::Other {
                code: "2201F",
                message: "zero raised to a negative power is undefined".into(),
            });
        }
        if sign1 < 0 && !exp.is_integral() {
            return Err(DatumError::Other {
                code: "2201F",
                message: "a negative number raised to a non-integer power yields a complex result"
                    .into(),
            });
        }
        if exp.is_infinite() {
            // |x| == 1 -> 1; otherwise 0 or Infinity by |x| < 1 and sign.
            let abs_cmp = if self.is_infinite() {
                Ordering::Greater
            } else {
                self.abs().cmp(&one)
            };
            return Ok(match (abs_cmp, exp.sign == Sign::PInf) {
                (Ordering::Equal, _) => one,
                (Ordering::Less, true) | (Ordering::Greater, false) => Numeric::zero(),
                _ => Numeric::infinity(),
            });
        }
        if self.is_infinite() {
            if sign2 < 0 {
                return Ok(Numeric::zero());
            }
            if sign2 == 0 {
                return Ok(one);
            }
            // -Infinity to an odd integer power keeps its sign.
            let two = Numeric::from_i64(2);
            if self.sign == Sign::NInf && exp.rem(&two).is_ok_and(|r| !r.is_zero()) {
                return Ok(Numeric::neg_infinity());
            }
            return Ok(Numeric::infinity());
        }
        // Finite base and exponent.
        let int_exp = if exp.is_integral() {
            exp.to_i64().ok().and_then(|e| i32::try_from(e).ok())
        } else {
            None
        };
        if let Some(e) = int_exp {
            let rscale = NUMERIC_MIN_SIG_DIGITS
                .max(self.dscale)
                .min(NUMERIC_MAX_DISPLAY_SCALE);
            return Numeric::make_result(power_var_int(&self.to_var(), e, rscale)?);
        }
        if self.is_zero() {
            return Ok(Numeric::from_var(Var::zero(NUMERIC_MIN_SIG_DIGITS)));
        }
        // A negative base has an integer exponent here (checked above): the
        // sign of the result follows the exponent's parity.
        let mut base = self.to_var();
        let mut res_neg = false;
        if base.neg {
            // Odd only if the units digit is present and odd.
            res_neg = exp.digits.len() as i32 == exp.weight + 1
                && exp.digits.last().is_some_and(|&d| d & 1 == 1);
            base.neg = false;
        }
        let mut r = power_var_general(&base, &exp.to_var())?;
        r.neg = res_neg && !r.is_zero();
        Numeric::make_result(r)
    }

    /// `ln(self)` (`numeric_ln`): at least 16 significant digits and at
    /// least the input's scale. Zero and negative input (including
    /// `-Infinity`) are 2201E; `ln(Infinity)` is Infinity.
    pub fn ln(&self) -> Result<Self, DatumError> {
        match self.sign {
            Sign::NaN | Sign::PInf => return Ok(self.clone()),
            Sign::NInf => return Err(log_negative()),
            _ => {}
        }
        let arg = self.to_var();
        let rscale = (NUMERIC_MIN_SIG_DIGITS - estimate_ln_dweight(&arg))
            .max(self.dscale)
            .clamp(0, NUMERIC_MAX_DISPLAY_SCALE);
        Numeric::make_result(ln_var(&arg, rscale)?)
    }

    /// `log(self, x)` (`numeric_log`): the logarithm of `x` to base `self`.
    /// Zero or negative arguments are 2201E, base 1 is 22012.
    pub fn log(&self, x: &Self) -> Result<Self, DatumError> {
        if self.is_special() || x.is_special() {
            if self.is_nan() || x.is_nan() {
                return Ok(Numeric::nan());
            }
            let (s1, s2) = (self.sign_int(), x.sign_int());
            if s1 < 0 || s2 < 0 {
                return Err(log_negative());
            }
            if s1 == 0 || s2 == 0 {
                return Err(log_zero());
            }
            if self.sign == Sign::PInf {
                if x.sign == Sign::PInf {
                    return Ok(Numeric::nan());
                }
                return Ok(Numeric::zero());
            }
            return Ok(Numeric::infinity());
        }
        let (base, num) = (self.to_var(), x.to_var());
        let ln_base_dweight = estimate_ln_dweight(&base);
        let ln_num_dweight = estimate_ln_dweight(&num);
        let result_dweight = ln_num_dweight - ln_base_dweight;
        let rscale = (NUMERIC_MIN_SIG_DIGITS - result_dweight)
            .max(base.dscale)
            .max(num.dscale)
            .clamp(0, NUMERIC_MAX_DISPLAY_SCALE);
        let ln_base_rscale = (rscale + result_dweight - ln_base_dweight + 8).max(0);
        let ln_num_rscale = (rscale + result_dweight - ln_num_dweight + 8).max(0);
        let ln_base = ln_var(&base, ln_base_rscale)?;
        let ln_num = ln_var(&num, ln_num_rscale)?;
        Numeric::make_result(Var::div(&ln_num, &ln_base, rscale, true)?)
    }

    /// `log(self)`: the base-10 logarithm, i.e. `log(10, self)`.
    pub fn log10(&self) -> Result<Self, DatumError> {
        Numeric::from_i64(10).log(self)
    }

    /// `exp(self)` (`numeric_exp`): at least 16 significant digits and at
    /// least the input's scale; `exp(-Infinity)` is 0. Results beyond the
    /// format are 22003.
    pub fn exp(&self) -> Result<Self, DatumError> {
        match self.sign {
            Sign::NaN | Sign::PInf => return Ok(self.clone()),
            Sign::NInf => return Ok(Numeric::zero()),
            _ => {}
        }
        let arg = self.to_var();
        let val = (self.to_f64() * std::f64::consts::LOG10_E).clamp(
            -NUMERIC_MAX_RESULT_SCALE as f64,
            NUMERIC_MAX_RESULT_SCALE as f64,
        );
        let rscale = (NUMERIC_MIN_SIG_DIGITS - val as i32)
            .max(self.dscale)
            .clamp(0, NUMERIC_MAX_DISPLAY_SCALE);
        Numeric::make_result(exp_var(&arg, rscale)?)
    }

    /// The display scale; `None` for NaN and the infinities.
    pub fn scale(&self) -> Option<i32> {
        if self.is_special() {
            None
        } else {
            Some(self.dscale)
        }
    }

    /// Rounds half away from zero to an integer (PostgreSQL's
    /// `numericvar_to_int64`), or `None` if it does not fit an `i64`.
    fn to_int(&self) -> Option<i64> {
        let v = Numeric::from_var(self.to_var().round(0));
        if v.digits.is_empty() {
            return Some(0);
        }
        if v.weight > 5 {
            return None;
        }
        let mut acc: i128 = 0;
        for &d in &v.digits {
            acc = acc * NBASE as i128 + d as i128;
        }
        for _ in 0..(v.weight + 1 - v.digits.len() as i32) {
            acc *= NBASE as i128;
        }
        if v.sign == Sign::Neg {
            acc = -acc;
        }
        i64::try_from(acc).ok()
    }

    fn to_int_checked(&self, type_name: &str, min: i64, max: i64) -> Result<i64, DatumError> {
        match self.sign {
            Sign::NaN => {
                return Err(DatumError::Other {
                    code: "0A000",
                    message: format!("cannot convert NaN to {type_name}"),
                });
            }
            Sign::PInf | Sign::NInf => {
                return Err(DatumError::Other {
                    code: "0A000",
                    message: format!("cannot convert infinity to {type_name}"),
                });
            }
            _ => {}
        }
        match self.to_int() {
            Some(v) if v >= min && v <= max => Ok(v),
            _ => Err(DatumError::NumericValueOutOfRange(format!(
                "{type_name} out of range"
            ))),
        }
    }

    /// `self::bigint`: rounds half away from zero. 22003 "bigint out of
    /// range"; NaN and infinities are 0A000.
    pub fn to_i64(&self) -> Result<i64, DatumError> {
        self.to_int_checked("bigint", i64::MIN, i64::MAX)
    }

    /// `self::integer`, like [`Numeric::to_i64`].
    pub fn to_i32(&self) -> Result<i32, DatumError> {
        self.to_int_checked("integer", i32::MIN as i64, i32::MAX as i64)
            .map(|v| v as i32)
    }

    /// `self::smallint`, like [`Numeric::to_i64`].
    pub fn to_i16(&self) -> Result<i16, DatumError> {
        self.to_int_checked("smallint", i16::MIN as i64, i16::MAX as i64)
            .map(|v| v as i16)
    }

    /// `self::float8`, correctly rounded (out-of-range values become
    /// infinities, tiny ones zero).
    pub fn to_f64(&self) -> f64 {
        match self.sign {
            Sign::NaN => f64::NAN,
            Sign::PInf => f64::INFINITY,
            Sign::NInf => f64::NEG_INFINITY,
            _ => self.to_sci().parse().unwrap_or(f64::NAN),
        }
    }

    /// `self::float4`, correctly rounded.
    pub fn to_f32(&self) -> f32 {
        match self.sign {
            Sign::NaN => f32::NAN,
            Sign::PInf => f32::INFINITY,
            Sign::NInf => f32::NEG_INFINITY,
            _ => self.to_sci().parse().unwrap_or(f32::NAN),
        }
    }

    /// Exact scientific text of a finite value (`[-]digitsE exp`), short
    /// enough for Rust's float parser however large the exponent.
    fn to_sci(&self) -> String {
        if self.digits.is_empty() {
            return "0".into();
        }
        let mut s = String::new();
        if self.sign == Sign::Neg {
            s.push('-');
        }
        for d in &self.digits {
            s.push_str(&format!("{d:04}"));
        }
        let exp = (self.weight - self.digits.len() as i32 + 1) * DEC_DIGITS;
        s.push_str(&format!("e{exp}"));
        s
    }

    /// Appends PostgreSQL's `numeric_send` bytes (see the module docs).
    pub fn write_binary(&self, out: &mut Vec<u8>) {
        let sign = match self.sign {
            Sign::Pos => SIGN_POS,
            Sign::Neg => SIGN_NEG,
            Sign::NaN => SIGN_NAN,
            Sign::PInf => SIGN_PINF,
            Sign::NInf => SIGN_NINF,
        };
        out.extend_from_slice(&(self.digits.len() as i16).to_be_bytes());
        out.extend_from_slice(&(self.weight as i16).to_be_bytes());
        out.extend_from_slice(&sign.to_be_bytes());
        // PostgreSQL reads the infinities' dscale out of their short header
        // bits (0xD000/0xF000 & 0x1F80) >> 7, so it sends 32 for them.
        let dscale = match self.sign {
            Sign::PInf | Sign::NInf => 32,
            _ => self.dscale as u16,
        };
        out.extend_from_slice(&dscale.to_be_bytes());
        for d in &self.digits {
            out.extend_from_slice(&d.to_be_bytes());
        }
    }

    /// PostgreSQL's `numeric_recv`: reads [`Numeric::write_binary`] bytes
    /// (the whole buffer), validating sign, scale and digits (22P03), and
    /// truncating digits hidden by the scale.
    pub fn read_binary(buf: &[u8]) -> Result<Self, DatumError> {
        let bad = |m: &str| DatumError::InvalidBinaryRepresentation(m.to_string());
        let word = |i: usize| -> Result<u16, DatumError> {
            match buf.get(i..i + 2) {
                Some(b) => Ok(u16::from_be_bytes([b[0], b[1]])),
                None => Err(bad("insufficient data left in message")),
            }
        };
        let ndigits = word(0)? as usize;
        let weight = word(2)? as i16 as i32;
        let sign = match word(4)? {
            SIGN_POS => Sign::Pos,
            SIGN_NEG => Sign::Neg,
            SIGN_NAN => Sign::NaN,
            SIGN_PINF => Sign::PInf,
            SIGN_NINF => Sign::NInf,
            _ => return Err(bad("invalid sign in external \"numeric\" value")),
        };
        let dscale = word(6)? as i32;
        if dscale > NUMERIC_DSCALE_MAX {
            return Err(bad("invalid scale in external \"numeric\" value"));
        }
        let mut digits = Vec::with_capacity(ndigits);
        for i in 0..ndigits {
            let d = word(8 + 2 * i)? as i16;
            if !(0..NBASE as i16).contains(&d) {
                return Err(bad("invalid digit in external \"numeric\" value"));
            }
            digits.push(d);
        }
        if buf.len() != 8 + 2 * ndigits {
            return Err(bad("incorrect binary data format"));
        }
        match sign {
            Sign::Pos | Sign::Neg => {
                let mag: Mag = digits.iter().rev().map(|&d| d as u32).collect();
                let v = Var {
                    neg: sign == Sign::Neg,
                    exp: weight - ndigits as i32 + 1,
                    mag,
                    dscale,
                };
                let mut v = v.trunc(dscale);
                v.neg = v.neg && !v.is_zero();
                Numeric::make_result(v)
            }
            s => Ok(Numeric::special(s)),
        }
    }
}

/// `%.Ng` from Rust's `{:.Me}` output: trailing zeros of the mantissa
/// dropped (the exponent form reads back to the same value and scale).
fn g_format(e: String) -> String {
    match e.split_once('e') {
        Some((mant, exp)) => {
            let mant = if mant.contains('.') {
                mant.trim_end_matches('0').trim_end_matches('.')
            } else {
                mant
            };
            format!("{mant}e{exp}")
        }
        None => e,
    }
}

/// C's truncating integer division.
fn c_div(a: i64, b: i64) -> i64 {
    a / b
}

fn add_special(a: &Numeric, b: &Numeric) -> Numeric {
    match (a.sign, b.sign) {
        (Sign::NaN, _) | (_, Sign::NaN) => Numeric::nan(),
        (Sign::PInf, Sign::NInf) | (Sign::NInf, Sign::PInf) => Numeric::nan(),
        (Sign::PInf, _) | (_, Sign::PInf) => Numeric::infinity(),
        _ => Numeric::neg_infinity(),
    }
}

fn mul_special(a: &Numeric, b: &Numeric) -> Numeric {
    if a.is_nan() || b.is_nan() {
        return Numeric::nan();
    }
    let s = a.sign_int() * b.sign_int();
    match s {
        0 => Numeric::nan(),
        1 => Numeric::infinity(),
        _ => Numeric::neg_infinity(),
    }
}

/// `/` and `div()` when either input is NaN or infinite (same rules for both).
fn div_special(a: &Numeric, b: &Numeric) -> Result<Numeric, DatumError> {
    if a.is_nan() || b.is_nan() {
        return Ok(Numeric::nan());
    }
    if a.is_infinite() {
        if b.is_infinite() {
            return Ok(Numeric::nan());
        }
        return match a.sign_int() * b.sign_int() {
            0 => Err(DatumError::DivisionByZero),
            1 => Ok(Numeric::infinity()),
            _ => Ok(Numeric::neg_infinity()),
        };
    }
    // Finite / infinite.
    Ok(Numeric::zero())
}

/// PostgreSQL's `select_div_scale`.
fn select_div_scale(a: &Numeric, b: &Numeric) -> i32 {
    let (w1, f1) = a.digits.first().map_or((0, 0), |&d| (a.weight, d));
    let (w2, f2) = b.digits.first().map_or((0, 0), |&d| (b.weight, d));
    let mut qweight = w1 - w2;
    if f1 <= f2 {
        qweight -= 1;
    }
    (NUMERIC_MIN_SIG_DIGITS - qweight * DEC_DIGITS)
        .max(a.dscale)
        .max(b.dscale)
        .clamp(0, NUMERIC_MAX_DISPLAY_SCALE)
}

/// Square root of a nonnegative Var, rounded half up to `rscale` decimals.
fn sqrt_var(v: &Var, rscale: i32) -> Var {
    if v.is_zero() {
        return Var::zero(rscale);
    }
    // N = floor(v * 10^(2 * (rscale + 1))); floor(sqrt(N)) is sqrt(v)
    // truncated to rscale + 1 decimals.
    let d = 4 * v.exp as i64 + 2 * (rscale as i64 + 1);
    let n = if d >= 0 {
        mag_mul_pow10(&v.mag, d)
    } else {
        mag_div_pow10(&v.mag, -d)
    };
    let s = mag_isqrt(&n);
    Var::from_scaled(false, s, rscale as i64 + 1, rscale).round(rscale)
}

/// The decimal weight of `ln(v)`, roughly (PostgreSQL's
/// `estimate_ln_dweight`). `v` is positive.
fn estimate_ln_dweight(v: &Var) -> i32 {
    let one = Numeric::from_i64(1).to_var();
    let pt9 = Var::from_scaled(false, vec![9], 1, 1);
    let one_pt1 = Var::from_scaled(false, vec![11], 1, 1);
    if v.neg || v.is_zero() {
        return 0;
    }
    if cmp_var(v, &pt9) != Ordering::Less && cmp_var(v, &one_pt1) != Ordering::Greater {
        let x = Numeric::from_var(Var::sub(v, &one));
        match x.digits.first() {
            Some(&d) => x.weight * DEC_DIGITS + (d as f64).log10() as i32,
            None => 0,
        }
    } else {
        let n = Numeric::from_var(v.clone());
        let mut digits = n.digits[0] as f64;
        let mut dweight = n.weight * DEC_DIGITS;
        if n.digits.len() > 1 {
            digits = digits * NBASE as f64 + n.digits[1] as f64;
            dweight -= DEC_DIGITS;
        }
        let ln = digits.ln() + dweight as f64 * std::f64::consts::LN_10;
        ln.abs().log10() as i32
    }
}

/// Signed comparison of two finite Vars.
fn cmp_var(a: &Var, b: &Var) -> Ordering {
    Numeric::from_var(a.clone()).cmp(&Numeric::from_var(b.clone()))
}

fn var_to_f64(v: &Var) -> f64 {
    Numeric::from_var(v.clone()).to_f64()
}

/// Natural logarithm of a positive Var to `rscale` decimals (PostgreSQL's
/// `ln_var`: square-root range reduction, then the atanh series).
fn ln_var(arg: &Var, rscale: i32) -> Result<Var, DatumError> {
    if arg.is_zero() {
        return Err(log_zero());
    }
    if arg.neg {
        return Err(log_negative());
    }
    let one = Numeric::from_i64(1).to_var();
    let two = Numeric::from_i64(2).to_var();
    let pt9 = Var::from_scaled(false, vec![9], 1, 1);
    let one_pt1 = Var::from_scaled(false, vec![11], 1, 1);
    let mut x = arg.clone();
    let mut fact = two.clone();
    let mut nsqrt = 0;
    while cmp_var(&x, &pt9) != Ordering::Greater {
        let local = rscale - c_div((x.weight() * DEC_DIGITS) as i64, 2) as i32 + 8;
        x = sqrt_var(&x, local);
        fact = Var::mul(&fact, &two, 0);
        nsqrt += 1;
    }
    while cmp_var(&x, &one_pt1) != Ordering::Less {
        let local = rscale - c_div((x.weight() * DEC_DIGITS) as i64, 2) as i32 + 8;
        x = sqrt_var(&x, local);
        fact = Var::mul(&fact, &two, 0);
        nsqrt += 1;
    }
    let local = rscale + ((nsqrt + 1) as f64 * std::f64::consts::LOG10_2) as i32 + 8;
    let mut result = Var::div(&Var::sub(&x, &one), &Var::add(&x, &one), local, true)?;
    let mut xx = result.clone();
    let x2 = Var::mul(&result, &result, local);
    let mut ni = 1;
    loop {
        ni += 2;
        xx = Var::mul(&xx, &x2, local);
        let elem = Var::div(&xx, &Numeric::from_i64(ni).to_var(), local, true)?;
        if elem.is_zero() {
            break;
        }
        result = Var::add(&result, &elem);
        let (ew, rw) = (norm_weight(&elem), norm_weight(&result));
        if ew < rw - local * 2 / DEC_DIGITS {
            break;
        }
    }
    Ok(Var::mul(&result, &fact, rscale))
}

/// Weight of a Var after stripping (0 for zero).
fn norm_weight(v: &Var) -> i32 {
    Numeric::from_var(v.clone()).weight
}

/// `e ^ arg` to `rscale` decimals (PostgreSQL's `exp_var`).
fn exp_var(arg: &Var, rscale: i32) -> Result<Var, DatumError> {
    let one = Numeric::from_i64(1).to_var();
    let mut x = arg.clone();
    let mut val = var_to_f64(&x);
    if val.abs() >= (NUMERIC_MAX_RESULT_SCALE * 3) as f64 {
        if val > 0.0 {
            return Err(overflow_format());
        }
        return Ok(Var::zero(rscale));
    }
    let dweight = (val * std::f64::consts::LOG10_E) as i32;
    let mut ndiv2 = 0;
    if val.abs() > 0.01 {
        ndiv2 = 1;
        val /= 2.0;
        while val.abs() > 0.01 {
            ndiv2 += 1;
            val /= 2.0;
        }
        let local = x.dscale + ndiv2;
        x = Var::div(&x, &Numeric::from_i64(1 << ndiv2).to_var(), local, true)?;
    }
    let sig_digits =
        (1 + dweight + rscale + (ndiv2 as f64 * std::f64::consts::LOG10_2) as i32).max(0) + 8;
    let local = sig_digits - 1;
    let mut result = Var::add(&one, &x);
    let mut elem = Var::mul(&x, &x, local);
    let mut ni = 2;
    elem = Var::div(&elem, &Numeric::from_i64(ni).to_var(), local, true)?;
    while !elem.is_zero() {
        result = Var::add(&result, &elem);
        elem = Var::mul(&elem, &x, local);
        ni += 1;
        elem = Var::div(&elem, &Numeric::from_i64(ni).to_var(), local, true)?;
    }
    for _ in 0..ndiv2 {
        let local = (sig_digits - norm_weight(&result) * 2 * DEC_DIGITS).max(0);
        result = Var::mul(&result, &result, local);
    }
    Ok(result.round(rscale))
}

/// PostgreSQL's `power_var` for a positive base and an exponent that is not
/// a 32-bit integer: `exp(exp * ln(base))` at the precision PostgreSQL uses.
fn power_var_general(base: &Var, exp: &Var) -> Result<Var, DatumError> {
    let ln_dweight = estimate_ln_dweight(base);
    let local = (8 - ln_dweight).max(0);
    let ln_base = ln_var(base, local)?;
    let ln_num = Var::mul(&ln_base, exp, local);
    let mut val = var_to_f64(&ln_num);
    if val.abs() > NUMERIC_MAX_RESULT_SCALE as f64 * 3.01 {
        if val > 0.0 {
            return Err(overflow_format());
        }
        return Ok(Var::zero(NUMERIC_MAX_DISPLAY_SCALE));
    }
    val *= std::f64::consts::LOG10_E;
    let rscale = (NUMERIC_MIN_SIG_DIGITS - val as i32)
        .max(base.dscale)
        .max(exp.dscale)
        .clamp(0, NUMERIC_MAX_DISPLAY_SCALE);
    let sig_digits = (rscale + val as i32).max(0);
    let local = (sig_digits - ln_dweight + 8).max(0);
    let ln_base = ln_var(base, local)?;
    let ln_num = Var::mul(&ln_base, exp, local);
    exp_var(&ln_num, rscale)
}

/// PostgreSQL 15's `power_var_int`: `base ^ exp` to `rscale` decimals.
fn power_var_int(base: &Var, exp: i32, rscale: i32) -> Result<Var, DatumError> {
    let one = Numeric::from_i64(1).to_var();
    match exp {
        0 => {
            return Ok(Var {
                dscale: rscale,
                ..one
            });
        }
        1 => return Ok(base.clone().round(rscale)),
        -1 => return Var::div(&one, base, rscale, true),
        2 => return Ok(Var::mul(base, base, rscale)),
        _ => {}
    }
    if base.is_zero() {
        if exp < 0 {
            return Err(DatumError::DivisionByZero);
        }
        return Ok(Var::zero(rscale));
    }
    // Estimate the decimal weight of the result: base ~= f * 10^p.
    let digits: Vec<u32> = base.mag.iter().rev().copied().collect();
    let mut f = digits[0] as f64;
    let mut p = base.weight() * DEC_DIGITS;
    let mut i = 1;
    while i < digits.len() && (i as i32) * DEC_DIGITS < 16 {
        f = f * NBASE as f64 + digits[i] as f64;
        p -= DEC_DIGITS;
        i += 1;
    }
    let f = exp as f64 * (f.log10() + p as f64);
    if f > (3 * i16::MAX as i32 * DEC_DIGITS) as f64 {
        return Err(overflow_format());
    }
    if f + 1.0 < -(rscale as f64) || f + 1.0 < -(NUMERIC_MAX_DISPLAY_SCALE as f64) {
        return Ok(Var::zero(rscale));
    }
    let mut sig_digits = 1 + rscale + f as i32;
    sig_digits += (exp as f64).abs().ln() as i32 + 8;

    let neg = exp < 0;
    let mut mask = exp.unsigned_abs();
    let mut base_prod = base.clone();
    let mut result = if mask & 1 == 1 {
        base.clone()
    } else {
        one.clone()
    };
    loop {
        mask >>= 1;
        if mask == 0 {
            break;
        }
        let local = (sig_digits - 2 * base_prod.weight() * DEC_DIGITS)
            .min(2 * base_prod.dscale)
            .max(0);
        base_prod = Var::mul(&base_prod, &base_prod, local);
        if mask & 1 == 1 {
            let local = (sig_digits - (base_prod.weight() + result.weight()) * DEC_DIGITS)
                .min(base_prod.dscale + result.dscale)
                .max(0);
            result = Var::mul(&base_prod, &result, local);
        }
        if base_prod.weight() > i16::MAX as i32 || result.weight() > i16::MAX as i32 {
            if !neg {
                return Err(overflow_format());
            }
            return Ok(Var::zero(rscale));
        }
    }
    if neg {
        if result.is_zero() {
            return Err(DatumError::DivisionByZero);
        }
        Var::div(&one, &result, rscale, true)
    } else {
        Ok(result.round(rscale))
    }
}

impl fmt::Display for Numeric {
    /// PostgreSQL's `numeric_out`: exactly `dscale` digits after the point.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sign {
            Sign::NaN => return f.write_str("NaN"),
            Sign::PInf => return f.write_str("Infinity"),
            Sign::NInf => return f.write_str("-Infinity"),
            _ => {}
        }
        let mut s = String::new();
        if self.sign == Sign::Neg {
            s.push('-');
        }
        let digit = |pos: i32| -> i16 {
            // Digit with power NBASE^pos.
            let idx = self.weight - pos;
            if idx >= 0 {
                self.digits.get(idx as usize).copied().unwrap_or(0)
            } else {
                0
            }
        };
        if self.weight < 0 || self.digits.is_empty() {
            s.push('0');
        } else {
            s.push_str(&digit(self.weight).to_string());
            for pos in (0..self.weight).rev() {
                s.push_str(&format!("{:04}", digit(pos)));
            }
        }
        if self.dscale > 0 {
            s.push('.');
            let mut frac = String::with_capacity(self.dscale as usize + 4);
            let mut pos = -1;
            while (frac.len() as i32) < self.dscale {
                frac.push_str(&format!("{:04}", digit(pos)));
                pos -= 1;
            }
            frac.truncate(self.dscale as usize);
            s.push_str(&frac);
        }
        f.write_str(&s)
    }
}

impl FromStr for Numeric {
    type Err = DatumError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Numeric::parse(s)
    }
}

impl Ord for Numeric {
    /// PostgreSQL's `cmp_numerics`: by value, ignoring the scale;
    /// `-Infinity` < finite < `Infinity` < `NaN`, and NaN equals NaN.
    fn cmp(&self, o: &Self) -> Ordering {
        let rank = |n: &Numeric| match n.sign {
            Sign::NInf => 0,
            Sign::Neg | Sign::Pos => 1,
            Sign::PInf => 2,
            Sign::NaN => 3,
        };
        let (ra, rb) = (rank(self), rank(o));
        if ra != rb || ra != 1 {
            return ra.cmp(&rb);
        }
        let (sa, sb) = (self.sign_int(), o.sign_int());
        if sa != sb {
            return sa.cmp(&sb);
        }
        if sa == 0 {
            return Ordering::Equal;
        }
        let abs = self
            .weight
            .cmp(&o.weight)
            .then_with(|| self.digits.cmp(&o.digits));
        if sa < 0 { abs.reverse() } else { abs }
    }
}

impl PartialOrd for Numeric {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl PartialEq for Numeric {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Numeric {}

impl Hash for Numeric {
    /// Consistent with `Eq`: the scale is not hashed (digits are
    /// normalised, so equal values have equal digits and weight).
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.sign.hash(h);
        if !self.digits.is_empty() {
            self.weight.hash(h);
            self.digits.hash(h);
        }
    }
}

#[cfg(test)]
mod tests;

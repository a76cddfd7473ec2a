//! Unit tests for [`Numeric`]: a table of cases whose expected outputs were
//! produced by PostgreSQL 15 (`tests/cases.rs`), plus property checks.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use super::Numeric;
use crate::datum::DatumError;

mod cases;

fn n(s: &str) -> Numeric {
    Numeric::parse(s).expect("test literal")
}

fn show(r: Result<Numeric, DatumError>) -> String {
    match r {
        Ok(v) => v.to_string(),
        Err(e) => format!("ERROR {}", e.sqlstate()),
    }
}

fn show_int<T: ToString>(r: Result<T, DatumError>) -> String {
    match r {
        Ok(v) => v.to_string(),
        Err(e) => format!("ERROR {}", e.sqlstate()),
    }
}

/// Evaluates one table case the way the SQL that produced it did.
fn eval(op: &str, a: &str, b: &str) -> String {
    if op == "in" {
        return show(Numeric::parse(a));
    }
    let x = || n(a);
    let y = || n(b);
    match op {
        "+" => show(Ok(x().add(&y()))),
        "-" => show(Ok(x().sub(&y()))),
        "*" => show(Ok(x().mul(&y()))),
        "/" => show(x().div(&y())),
        "div" => show(x().div_trunc(&y())),
        "%" => show(x().rem(&y())),
        "^" => show(x().pow(&y())),
        "mul_div" => show(x().div(&y()).map(|q| q.mul(&y()))),
        "round" => show(Ok(x().round(b.parse().expect("scale")))),
        "trunc" => show(Ok(x().trunc(b.parse().expect("scale")))),
        "ceil" => show(Ok(x().ceil())),
        "floor" => show(Ok(x().floor())),
        "sign" => show(Ok(x().sign())),
        "abs" => show(Ok(x().abs())),
        "neg" => show(Ok(x().neg())),
        "sqrt" => show(x().sqrt()),
        "ln" => show(x().ln()),
        "exp" => show(x().exp()),
        "log10" => show(x().log10()),
        "log" => show(x().log(&y())),
        "int8" => show_int(x().to_i64()),
        "int4" => show_int(x().to_i32()),
        "int2" => show_int(x().to_i16()),
        "typmod" => {
            let (p, s) = b.split_once(',').expect("p,s");
            let p: i32 = p.parse().expect("precision");
            let s: i32 = s.parse().expect("scale");
            let typmod = ((p << 16) | (s & 0x7ff)) + 4;
            show(x().apply_typmod(typmod))
        }
        "f8" => show(Numeric::from_f64(a.parse().expect("f64"))),
        "f4" => show(Numeric::from_f32(a.parse().expect("f32"))),
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn postgres_cases() {
    let mut failures = Vec::new();
    for &(op, a, b, want) in cases::CASES {
        match op {
            "tof8" => {
                let got = n(a).to_f64();
                let want: f64 = want.parse().expect("float8 output");
                if !(got == want || (got.is_nan() && want.is_nan())) {
                    failures.push(format!("{a}::float8 = {got}, want {want}"));
                }
            }
            "tof4" => {
                let got = n(a).to_f32();
                let want: f32 = want.parse().expect("float4 output");
                if !(got == want || (got.is_nan() && want.is_nan())) {
                    failures.push(format!("{a}::float4 = {got}, want {want}"));
                }
            }
            _ => {
                let op = if op == "-" && b.is_empty() { "neg" } else { op };
                let got = eval(op, a, b);
                if got != want {
                    failures.push(format!("{op} {a:?} {b:?}: got {got}, want {want}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from PostgreSQL:\n{}",
        failures.len(),
        cases::CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn parse_print_round_trip() {
    for s in [
        "0",
        "0.000",
        "-1.5",
        "12.30",
        "1000",
        "0.0015",
        "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001",
        "NaN",
        "Infinity",
        "-Infinity",
    ] {
        assert_eq!(n(s).to_string(), s);
    }
    assert_eq!(n("-0").to_string(), "0");
    assert_eq!(n("1e3").to_string(), "1000");
    assert_eq!(n("1.5e-3").to_string(), "0.0015");
    assert_eq!(n("  12.30 ").to_string(), "12.30");
    assert_eq!("7.25".parse::<Numeric>(), Ok(n("7.250")));
}

#[test]
fn big_multiplication_is_exact() {
    let p = n("12345678901234567890.123").mul(&n("98765432109876543210.987"));
    assert_eq!(
        p.to_string(),
        "1219326311370217952261797134336296860222.381401"
    );
    // (10^60 + 1)^2 = 10^120 + 2*10^60 + 1
    let a = n("1000000000000000000000000000000000000000000000000000000000001");
    let mut want = String::from("1");
    want.push_str(&"0".repeat(59));
    want.push('2');
    want.push_str(&"0".repeat(59));
    want.push('1');
    assert_eq!(a.mul(&a).to_string(), want);
}

#[test]
fn integer_conversion_rounds_half_away_from_zero() {
    assert_eq!(n("2.5").to_i64(), Ok(3));
    assert_eq!(n("-2.5").to_i64(), Ok(-3));
    assert_eq!(n("2.49").to_i32(), Ok(2));
    assert_eq!(
        n("9223372036854775807.5").to_i64(),
        Err(DatumError::NumericValueOutOfRange(
            "bigint out of range".into()
        ))
    );
    assert!(matches!(
        n("NaN").to_i64(),
        Err(DatumError::Other { code: "0A000", .. })
    ));
    assert_eq!(Numeric::from_i64(i64::MIN).to_i64(), Ok(i64::MIN));
    assert_eq!(
        Numeric::from_i128(i128::MAX).to_string(),
        i128::MAX.to_string()
    );
}

#[test]
fn typmod_overflow_message() {
    let typmod = ((5 << 16) | 2) + 4;
    assert_eq!(
        n("999.995").apply_typmod(typmod),
        Err(DatumError::NumericValueOutOfRange(
            "numeric field overflow".into()
        ))
    );
    assert_eq!(
        n("1.5").apply_typmod(-1).map(|v| v.to_string()),
        Ok("1.5".into())
    );
}

#[test]
fn binary_round_trip() {
    for s in [
        "0",
        "0.000",
        "-1234567.891",
        "NaN",
        "Infinity",
        "-Infinity",
        "1e-1000",
        "123456789012345678901234567890.5",
    ] {
        let v = n(s);
        let mut buf = Vec::new();
        v.write_binary(&mut buf);
        let back = Numeric::read_binary(&buf).expect("round trip");
        assert_eq!(back.to_string(), v.to_string());
    }
    let mut buf = Vec::new();
    n("-1234567.891").write_binary(&mut buf);
    assert_eq!(
        buf,
        [0, 3, 0, 1, 0x40, 0, 0, 3, 0, 123, 0x11, 0xD7, 0x22, 0xCE]
    );
    // Bad sign, bad digit, short and long buffers.
    let bad = |b: &[u8]| {
        matches!(
            Numeric::read_binary(b),
            Err(DatumError::InvalidBinaryRepresentation(_))
        )
    };
    assert!(bad(&[0, 0, 0, 0, 0x12, 0, 0, 0]));
    assert!(bad(&[0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10]));
    assert!(bad(&[0, 1, 0, 0, 0, 0, 0, 0]));
    assert!(bad(&[0, 0, 0, 0, 0, 0, 0, 0, 0]));
    assert!(bad(&[0, 0, 0, 0, 0, 0, 0x40, 0]));
    // Digits hidden by the scale are truncated: 1.2345 sent with dscale 2.
    let v = Numeric::read_binary(&[0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x09, 0x29]).expect("valid");
    assert_eq!(v.to_string(), "1.23");
}

#[test]
fn binary_matches_numeric_send() {
    // `select numeric_send('<v>'::numeric)` on PostgreSQL 15.
    let cases = [
        ("0", "0000000000000000"),
        ("0.000", "0000000000000003"),
        ("-1234567.891", "0003000140000003007b11d722ce"),
        ("NaN", "00000000c0000000"),
        ("Infinity", "00000000d0000020"),
        ("-Infinity", "00000000f0000020"),
        ("1e-20", "0001fffb000000140001"),
        (
            "123456789012345678901234567890.5",
            "0009000700000001000c0d801ed204d2162e23340d801ed21388",
        ),
        ("0.0001", "0001ffff000000040001"),
        ("-10000", "00010001400000000001"),
        ("1e100", "00010019000000000001"),
    ];
    for (v, hex) in cases {
        let mut buf = Vec::new();
        n(v).write_binary(&mut buf);
        let got: String = buf.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, hex, "{v}");
        assert_eq!(
            Numeric::read_binary(&buf).map(|x| x.to_string()),
            Ok(v.parse::<Numeric>().expect("v").to_string())
        );
    }
}

fn hash_of(v: &Numeric) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

#[test]
fn ordering_and_hashing() {
    let sorted = [
        "-Infinity",
        "-1e30",
        "-2.5",
        "-0.001",
        "0",
        "0.001",
        "1",
        "1.5",
        "1e30",
        "Infinity",
        "NaN",
    ];
    for (i, a) in sorted.iter().enumerate() {
        for (j, b) in sorted.iter().enumerate() {
            assert_eq!(n(a).cmp(&n(b)), i.cmp(&j), "{a} vs {b}");
        }
    }
    assert_eq!(n("1.0"), n("1.00"));
    assert_eq!(hash_of(&n("1.0")), hash_of(&n("1.00")));
    assert_eq!(n("0"), n("0.000"));
    assert_eq!(hash_of(&n("0")), hash_of(&n("-0.000")));
    assert_eq!(n("NaN"), n("nan"));
    assert_ne!(n("1"), n("1.0001"));
}

#[test]
fn division_scales() {
    assert_eq!(
        n("1").div(&n("3")).map(|v| v.to_string()),
        Ok("0.33333333333333333333".into())
    );
    assert_eq!(
        n("10").div(&n("4")).map(|v| v.to_string()),
        Ok("2.5000000000000000".into())
    );
    assert_eq!(n("1").div(&n("0")), Err(DatumError::DivisionByZero));
    assert_eq!(n("10").scale(), Some(0));
    assert_eq!(n("NaN").scale(), None);
}

#[test]
fn format_limits() {
    // PostgreSQL 15 accepts these and rejects one step further.
    assert!(Numeric::parse("1e131071").is_ok());
    assert!(Numeric::parse("1e-16383").is_ok());
    let overflow = DatumError::NumericValueOutOfRange("value overflows numeric format".into());
    assert_eq!(Numeric::parse("1e131072"), Err(overflow.clone()));
    assert_eq!(Numeric::parse("1e-16384"), Err(overflow.clone()));
    assert_eq!(n("1e131071").checked_mul(&n("10")), Err(overflow.clone()));
    assert_eq!(
        n("1e131071")
            .checked_add(&n("1e131071"))
            .map(|v| v.is_zero()),
        Ok(false)
    );
    assert_eq!(n("1e131071").div(&n("0.1")), Err(overflow));
}

//! Values as JSON (PostgreSQL's `datum_to_json` in `json.c`) and the JSON
//! aggregates built on it: `json_agg`, `jsonb_agg`, `json_object_agg`,
//! `jsonb_object_agg`.
//!
//! A value becomes JSON by its type: NULL is `null`, booleans `true` /
//! `false`, numbers their text (NaN and infinities as strings), `json` and
//! `jsonb` themselves, arrays JSON arrays of their elements, dates and
//! times ISO 8601 strings (`"2024-03-01T13:04:05"`, with the zone as
//! `+HH:MM` for timestamptz), anything else its text as a JSON string.
//!
//! `json_agg` keeps PostgreSQL's `json` layout (`[1, 2]`, `{ "k" : v }`);
//! the `jsonb` forms are normalised as any jsonb value is (keys sorted,
//! duplicates resolved).

use storage::datum::io::{OutputOptions, output_text};
use storage::datum::jsonb::{normalize as normalize_jsonb, write_string};
use storage::datum::{Datum, TypeOid};

use crate::error::{SqlError, SqlResult};

/// What a JSON aggregate has been fed: elements, or (key, value) pairs.
#[derive(Clone, Debug, Default)]
pub struct JsonAggState {
    items: Vec<(Option<Datum>, Datum)>,
}

impl JsonAggState {
    /// Adds one element (`key` for the object aggregates).
    pub fn push(&mut self, key: Option<Datum>, value: Datum) -> SqlResult<()> {
        if matches!(key, Some(Datum::Null)) {
            return Err(SqlError::new("22023", "field name must not be null"));
        }
        self.items.push((key, value));
        Ok(())
    }

    /// The aggregate's result: NULL if nothing was fed.
    pub fn finish(
        self,
        key_type: Option<TypeOid>,
        value_type: TypeOid,
        binary: bool,
        opts: &OutputOptions,
    ) -> SqlResult<Datum> {
        if self.items.is_empty() {
            return Ok(Datum::Null);
        }
        let mut out = String::new();
        let object = key_type.is_some();
        out.push_str(if object { "{ " } else { "[" });
        for (i, (key, value)) in self.items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
                // json_agg starts each array after the first on a line
                // of its own, as PostgreSQL's json_agg_transfn does.
                if !object && value_type.is_array() && !matches!(value, Datum::Null) {
                    out.push_str("\n ");
                }
            }
            if let (Some(k), Some(kt)) = (key, key_type) {
                let mut text = String::new();
                output_text(k, kt, opts, &mut text);
                write_string(&text, &mut out);
                out.push_str(" : ");
            }
            to_json(value, value_type, opts, &mut out);
        }
        out.push_str(if object { " }" } else { "]" });
        if binary {
            let normalized =
                normalize_jsonb(&out).map_err(|e| SqlError::new("22P02", e.to_string()))?;
            Ok(Datum::Jsonb(normalized))
        } else {
            Ok(Datum::Json(out))
        }
    }
}

/// Appends `d` (of type `typ`) as JSON.
pub fn to_json(d: &Datum, typ: TypeOid, opts: &OutputOptions, out: &mut String) {
    match d {
        Datum::Null => out.push_str("null"),
        Datum::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Datum::Json(s) | Datum::Jsonb(s) => out.push_str(s),
        Datum::Array(a) => {
            let elem = typ.elem_type().unwrap_or(TypeOid::TEXT);
            out.push('[');
            for (i, e) in a.elems.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                to_json(e, elem, opts, out);
            }
            out.push(']');
        }
        Datum::Int2(_)
        | Datum::Int4(_)
        | Datum::Int8(_)
        | Datum::Float4(_)
        | Datum::Float8(_)
        | Datum::Numeric(_) => {
            let mut text = String::new();
            output_text(d, typ, opts, &mut text);
            if matches!(text.as_str(), "NaN" | "Infinity" | "-Infinity") {
                write_string(&text, out);
            } else {
                out.push_str(&text);
            }
        }
        _ => {
            let mut text = String::new();
            output_text(d, typ, opts, &mut text);
            match typ {
                TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ => write_string(
                    &super::jsonb::json_datetime(&text, typ == TypeOid::TIMESTAMPTZ),
                    out,
                ),
                _ => write_string(&text, out),
            }
        }
    }
}

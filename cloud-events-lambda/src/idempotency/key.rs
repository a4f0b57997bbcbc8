//! An idempotency key: the key's value read from the event or record by its paths, written
//! as Python's `json.dumps(value, sort_keys=True)` writes it and hashed with MD5, as
//! Powertools for AWS Lambda hashes it. A Python function and a Rust function that share a
//! table and a key prefix then share their records.

use cloud_events_core::condition::Path;
use md5::{Digest, Md5};
use serde_json::Value;
use std::fmt::Write;

/// The value of the key at `paths` in `root`: the one value, or the values as an array;
/// `None` if any is absent or `null` (a key must name something).
pub(crate) fn key_value(root: &Value, paths: &[Path]) -> Option<Value> {
    match paths {
        [one] => present(one, root),
        many => many
            .iter()
            .map(|path| present(path, root))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
    }
}

fn present(path: &Path, root: &Value) -> Option<Value> {
    path.resolve(root)
        .filter(|value| !value.is_null())
        .map(|value| value.into_owned())
}

/// The MD5 of `value`'s JSON as Python writes it, in hexadecimal.
pub(crate) fn hash(value: &Value) -> String {
    let mut text = String::new();
    python_json(value, &mut text);
    let digest = Md5::digest(text.as_bytes());
    let mut hex = String::with_capacity(32);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// `json.dumps(value, sort_keys=True)`: `", "` and `": "` between items, keys sorted, every
/// character beyond ASCII escaped, floats as Python's `repr` writes them.
fn python_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => match (number.as_i64(), number.as_u64(), number.as_f64()) {
            (Some(n), _, _) => {
                let _ = write!(out, "{n}");
            }
            (_, Some(n), _) => {
                let _ = write!(out, "{n}");
            }
            (_, _, Some(f)) => python_float(f, out),
            _ => out.push_str(&number.to_string()),
        },
        Value::String(text) => python_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                python_string(key, out);
                out.push_str(": ");
                python_json(item, out);
            }
            out.push('}');
        }
    }
}

/// Python's `repr(float)`: the shortest digits that read back the same, positional from
/// 1e-4 up to 1e16 (with `.0` when whole), else as `1.5e-07` or `1e+16`.
fn python_float(value: f64, out: &mut String) {
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let positional = format!("{value}");
        out.push_str(&positional);
        if !positional.contains('.') {
            out.push_str(".0");
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "{mantissa}e{sign}{:02}", exponent.abs());
    }
}

fn python_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dumps(value: Value) -> String {
        let mut out = String::new();
        python_json(&value, &mut out);
        out
    }

    #[test]
    fn values_are_written_as_pythons_json_dumps_with_sorted_keys() {
        // Each expectation is what CPython 3.11 prints for json.dumps(v, sort_keys=True).
        assert_eq!(dumps(json!("abc")), r#""abc""#);
        assert_eq!(
            dumps(json!({"b": 1, "a": [true, null, "x"]})),
            r#"{"a": [true, null, "x"], "b": 1}"#
        );
        assert_eq!(dumps(json!("café ☕ 😀")), r#""caf\u00e9 \u2615 \ud83d\ude00""#);
        assert_eq!(dumps(json!("a\"b\\c\n\u{1}")), r#""a\"b\\c\n\u0001""#);
        assert_eq!(dumps(json!(12.0)), "12.0");
        assert_eq!(dumps(json!(0.1)), "0.1");
        assert_eq!(dumps(json!(1e16)), "1e+16");
        assert_eq!(dumps(json!(1.5e-7)), "1.5e-07");
        assert_eq!(dumps(json!(0.0001)), "0.0001");
        assert_eq!(dumps(json!(-3)), "-3");
        assert_eq!(dumps(json!(18446744073709551615u64)), "18446744073709551615");
    }

    #[test]
    fn hashes_are_the_md5_of_that_text() {
        // hashlib.md5(json.dumps(v, sort_keys=True).encode()).hexdigest() in CPython 3.11.
        assert_eq!(hash(&json!("abc")), "ebd9f4c7b06cb0aaf5d13d80e49d8b90");
        assert_eq!(
            hash(&json!({"b": 1, "a": [true, null, "x"]})),
            "ed443da6c33c8ba1f11420e3c411e9ad"
        );
        assert_eq!(hash(&json!("café ☕ 😀")), "abe71af9cb0a02fa40b6d737abf9e3ea");
        assert_eq!(hash(&json!(1.5e-7)), "47c31e6069972e027788ec602a1b7a8a");
        assert_eq!(
            hash(&json!([
                "acme-invoices-prod",
                "2026/11/invoice-000731.pdf",
                "0055AED6DCD90281E5"
            ])),
            "02e3d4b309dca45818858ce9e4e26110"
        );
        assert_ne!(hash(&json!("1")), hash(&json!(1)));
    }

    #[test]
    fn a_key_is_one_value_or_all_of_several_and_never_null() {
        let record = json!({"messageId": "m-1", "body": "{\"orderId\": \"o-7\", \"n\": null}"});
        let paths = |texts: &[&str]| texts.iter().map(|t| Path::parse(t).unwrap()).collect::<Vec<_>>();
        assert_eq!(key_value(&record, &paths(&["messageId"])), Some(json!("m-1")));
        assert_eq!(key_value(&record, &paths(&["body.orderId"])), Some(json!("o-7")));
        assert_eq!(
            key_value(&record, &paths(&["messageId", "body.orderId"])),
            Some(json!(["m-1", "o-7"]))
        );
        assert_eq!(key_value(&record, &paths(&["body.n"])), None);
        assert_eq!(key_value(&record, &paths(&["messageId", "body.missing"])), None);
    }
}

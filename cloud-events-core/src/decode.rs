//! Typed decoding of JSON text: the fast path of every decoder of events and records.
//!
//! Without the `simd` feature it is `serde_json`. With it, `sonic-rs` (SIMD: AVX2 on x86_64
//! when compiled for it, NEON on arm64) decodes text of `SIMD_FROM` bytes or more where it
//! gives the answer `serde_json` would, and `serde_json` everywhere else, so that the feature
//! changes speed, never an answer:
//!
//! - `sonic-rs` decodes arrays and objects up to 254 deep, `serde_json` up to 127: text with
//!   more than 127 `{` and `[` in all (its strings included) could nest deeper, and goes to
//!   `serde_json`. Such text is also where `sonic-rs` is not faster (many small containers:
//!   the cost is building them; `bench/RESULTS.md`).
//! - `sonic-rs` reads a negative zero (`-0`, `-0.0`, `-0e5`) as `0.0`; text that may hold one
//!   goes to `serde_json`.
//! - Whatever `sonic-rs` refuses is decoded again by `serde_json`, whose error (and the path
//!   the callers name with `serde_path_to_error`) is the one reported.
//!
//! The callers keep their slow path: a failed fast path is followed by `serde_json` with
//! `serde_path_to_error`, which decodes or says where it failed.

use serde::de::{DeserializeOwned, DeserializeSeed};

/// `text` decoded into `T` on the fast path; `None` where `serde_json` would fail (and where
/// `sonic-rs` failed: the caller's slow path decides).
pub(crate) fn fast<T: DeserializeOwned>(text: &str) -> Option<T> {
    #[cfg(feature = "simd")]
    if sonic_decodes(text) {
        return sonic_rs::from_str(text).ok();
    }
    serde_json::from_str(text).ok()
}

/// `fast` for bytes, with `serde_json`'s error where it fails (with the `simd` feature,
/// `sonic-rs` decodes those that are UTF-8 and big enough, as `fast` says).
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    #[cfg(feature = "simd")]
    if bytes.len() >= SIMD_FROM
        && let Ok(text) = std::str::from_utf8(bytes)
        && sonic_decodes(text)
        && let Ok(value) = sonic_rs::from_str(text)
    {
        return Ok(value);
    }
    serde_json::from_slice(bytes)
}

/// `seed` run over all of `text` (nothing but whitespace after its value), on the fast path;
/// `serde_json`'s error otherwise.
pub(crate) fn seeded<'de, S: DeserializeSeed<'de> + Clone>(
    text: &'de str,
    seed: S,
) -> Result<S::Value, serde_json::Error> {
    #[cfg(feature = "simd")]
    if sonic_decodes(text) {
        let mut deserializer = sonic_rs::Deserializer::from_str(text);
        let decoded = seed.clone().deserialize(&mut deserializer);
        if let Ok(value) = decoded
            && deserializer.end().is_ok()
        {
            return Ok(value);
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = seed.deserialize(&mut deserializer)?;
    deserializer.end().map(|()| value)
}

/// Where the slow path's decode failed (`.` for the text as a whole) and why.
pub(crate) struct Failure {
    pub(crate) path: String,
    pub(crate) error: serde_json::Error,
}

/// The slow path: `serde_json` with `serde_path_to_error`, which says where decoding failed,
/// over all of `text` (nothing but whitespace may follow the value, as on the fast path).
pub(crate) fn with_path<T: DeserializeOwned>(text: &str) -> Result<T, Failure> {
    tracked(serde_json::Deserializer::from_str(text))
}

/// [`with_path`] for bytes.
pub(crate) fn with_path_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    tracked(serde_json::Deserializer::from_slice(bytes))
}

fn tracked<'de, R: serde_json::de::Read<'de>, T: DeserializeOwned>(
    mut deserializer: serde_json::Deserializer<R>,
) -> Result<T, Failure> {
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| Failure {
        path: e.path().to_string(),
        error: e.into_inner(),
    })?;
    deserializer.end().map_err(|error| Failure {
        path: ".".to_owned(),
        error,
    })?;
    Ok(value)
}

/// The size from which `sonic-rs` decodes faster: below about 4 KB, an event is mostly its
/// keys and short strings, and `serde_json` is as fast or faster (`bench/RESULTS.md` section
/// 13: 1.1 against 1.4 µs for a 1 KB SQS event, 5.2 against 4.3 µs at 16 KB).
#[cfg(feature = "simd")]
const SIMD_FROM: usize = 8 * 1024;

/// Whether `sonic-rs` decodes `text`: big enough to be faster, and read as `serde_json` reads it.
#[cfg(feature = "simd")]
fn sonic_decodes(text: &str) -> bool {
    text.len() >= SIMD_FROM && simd_gives_the_same(text)
}

/// The deepest nesting `serde_json` decodes (its recursion limit: 128 levels refused).
#[cfg(any(feature = "simd", test))]
const SERDE_JSON_DEPTH: usize = 127;

/// Whether `sonic-rs` decodes `text` as `serde_json` does (see the module's docs): at most
/// `SERDE_JSON_DEPTH` `{` and `[` in all, and no negative zero. One pass of `memchr`.
#[cfg(any(feature = "simd", test))]
fn simd_gives_the_same(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut containers = 0;
    for at in memchr::memchr3_iter(b'{', b'[', b'-', bytes) {
        if bytes[at] == b'-' {
            if starts_a_value(&bytes[..at]) && is_negative_zero(&bytes[at + 1..]) {
                return false;
            }
        } else {
            containers += 1;
            if containers > SERDE_JSON_DEPTH {
                return false;
            }
        }
    }
    true
}

/// Whether what follows `before` starts a value: the text's start, or `:`, `,` or `[` then
/// whitespace. A `-` in an id or a date (`5f1c-0e8a`, `2026-01-05`) is not at such a place; one
/// in a string that is (`"a:-0"`) is taken for a number: `serde_json` then decodes.
#[cfg(any(feature = "simd", test))]
fn starts_a_value(before: &[u8]) -> bool {
    match before.iter().rev().find(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(b) => matches!(b, b':' | b',' | b'['),
    }
}

/// Whether the number after a `-` (`after`) has a zero mantissa: `0`, `0.000`, `0e5`.
#[cfg(any(feature = "simd", test))]
fn is_negative_zero(after: &[u8]) -> bool {
    let mut digits = after.iter().copied().skip_while(|&b| b == b'0' || b == b'.');
    after.first() == Some(&b'0') && !matches!(digits.next(), Some(b'1'..=b'9'))
}

#[cfg(test)]
mod tests {
    use super::{SERDE_JSON_DEPTH, is_negative_zero, simd_gives_the_same};

    /// Found by the `decoders` fuzz target: the slow path (which names where decoding failed)
    /// decoded the value and ignored what followed it, so that text the fast path refused as
    /// not JSON was decoded after all.
    #[test]
    fn text_after_the_value_is_refused_on_both_paths() {
        use crate::RawEvent;
        use crate::events::SqsEvent;
        let error = RawEvent::new(r#"{"Records":[]} x"#)
            .decode_json::<SqsEvent>()
            .unwrap_err();
        assert!(error.message.starts_with("trailing characters"), "{error}");
        let error = super::with_path::<serde_json::Value>("[1]]").err().unwrap();
        assert_eq!(error.path, ".");
        let wrong = super::with_path::<Vec<u8>>("[1, 300]").err().unwrap();
        assert_eq!(wrong.path, "[1]");
        assert_eq!(super::with_path::<Vec<u8>>(" [1, 2] \n").ok(), Some(vec![1, 2]));
    }

    #[test]
    fn negative_zeros_are_told_from_other_negative_numbers() {
        for zero in [
            "0", "0.0", "0e5", "0E-1", "0.000", "0]", "0,", "0}", "0 ", "00.0e1",
        ] {
            assert!(is_negative_zero(zero.as_bytes()), "-{zero}");
        }
        for other in ["1", "0.5", "0.05", "0.0001e3", "12", "9", "", "x", "a0"] {
            assert!(!is_negative_zero(other.as_bytes()), "-{other}");
        }
    }

    #[test]
    fn text_that_could_nest_deeper_than_serde_json_decodes_is_left_to_it() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(simd_gives_the_same(&nested(SERDE_JSON_DEPTH)));
        assert!(!simd_gives_the_same(&nested(SERDE_JSON_DEPTH + 1)));
        // Counted in all, not by depth: many shallow containers too.
        let flat = format!("[{}]", vec!["{}"; SERDE_JSON_DEPTH].join(","));
        assert!(!simd_gives_the_same(&flat));
        assert!(simd_gives_the_same(
            r#"{"a":[-0.5,-12,"2024-01-05","5f1c-0e8a-000"]}"#
        ));
        assert!(!simd_gives_the_same("-0"));
        assert!(!simd_gives_the_same("[1, \n -0]"));
        assert!(!simd_gives_the_same(r#"{"a":-0}"#));
        assert!(!simd_gives_the_same(r#"{"a":[1,-0.0e3]}"#));
    }

    /// With the `simd` feature: `fast` and `seeded` give `serde_json`'s answer on any text,
    /// decoded by `sonic-rs` where the text is big enough.
    #[cfg(feature = "simd")]
    mod same_answers {
        use super::super::{SIMD_FROM, fast, seeded};
        use proptest::prelude::*;
        use serde_json::Value;

        /// `json` inside an object with a long string, so that it is decoded by `sonic-rs`
        /// when it may be.
        fn padded(json: &str) -> String {
            format!(r#"{{"padding":"{}","value":{json}}}"#, "x".repeat(SIMD_FROM))
        }

        /// Both decoders agree: the same value, written out the same (the sign of a zero,
        /// every digit of a float), or both refuse.
        fn agree(text: &str) {
            let reference = serde_json::from_str::<Value>(text).ok();
            let fast = fast::<Value>(text);
            assert_eq!(
                fast.as_ref().map(Value::to_string),
                reference.as_ref().map(Value::to_string),
                "{text:.200}"
            );
            let seeded = seeded(text, std::marker::PhantomData::<Value>).ok();
            assert_eq!(seeded.map(|v| v.to_string()), reference.map(|v| v.to_string()));
        }

        #[test]
        fn numbers_decode_exactly_as_serde_json_decodes_them() {
            for number in [
                "-0",
                "-0.0",
                "-0e5",
                "-0.000E-3",
                "0",
                "-0.5",
                "1e400",
                "-1e400",
                "1e-400",
                "-1e-400",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775808",
                "-9223372036854775809",
                "5e-324",
                "2.2250738585072011e-308",
                "0.1",
                "0.1000000000000000055511151231257827021181583404541015625",
                "9999999999999999999999999999999999999999999999999999999999999999",
                "1.7976931348623157e308",
                "1.7976931348623159e308",
                "123456789.123456789e-5",
                "01",
                "1.",
                ".5",
                "-",
                "1e",
                "+1",
                "NaN",
                "Infinity",
            ] {
                agree(&padded(number));
                agree(&padded(&format!("[{number}, {number}]")));
            }
        }

        #[test]
        fn strings_decode_exactly_as_serde_json_decodes_them() {
            for string in [
                r#""\ud800""#,
                r#""\udc00""#,
                r#""\ud800\udc00""#,
                r#""\u00e9\/\b\f\n\r\t""#,
                r#""\x""#,
                "\"tab\there\"",
                "\"nul\u{0}\"",
                "\"\u{1f600}\"",
                r#""unterminated"#,
            ] {
                agree(&padded(string));
            }
        }

        #[test]
        fn nesting_decodes_exactly_as_serde_json_decodes_it() {
            for depth in [100, 126, 127, 128, 129, 200, 254, 255, 256, 10_000] {
                agree(&padded(&format!("{}{}", "[".repeat(depth), "]".repeat(depth))));
                let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
                agree(&padded(&objects));
            }
        }

        #[test]
        fn broken_text_is_refused_as_serde_json_refuses_it() {
            let whole = padded(r#"{"a":[1,2,{"b":"c"}],"d":-1.5e3}"#);
            for cut in [1, whole.len() / 2, whole.len() - 1] {
                agree(&whole[..cut]);
            }
            for tail in [" x", ",", "}", " ", "\n\t"] {
                agree(&format!("{whole}{tail}"));
            }
            agree(&padded("[1,]"));
            agree(&padded(r#"{"a":1,}"#));
            agree(&padded(r#"{"a" 1}"#));
        }

        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from),
                Just(Value::from(-0.0)),
                ".*".prop_map(Value::from),
            ];
            leaf.prop_recursive(6, 64, 8, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                    prop::collection::btree_map(".*", inner, 0..8)
                        .prop_map(|map| Value::Object(map.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn any_value_decodes_as_serde_json_decodes_it(value in json(), pretty in any::<bool>()) {
                let text = if pretty {
                    serde_json::to_string_pretty(&value).unwrap()
                } else {
                    serde_json::to_string(&value).unwrap()
                };
                agree(&padded(&text));
            }

            #[test]
            fn any_damaged_value_is_refused_or_decoded_as_serde_json_does(
                value in json(),
                at in any::<prop::sample::Index>(),
                byte in any::<u8>(),
            ) {
                let mut text = padded(&serde_json::to_string(&value).unwrap()).into_bytes();
                let at = at.index(text.len());
                text[at] = byte;
                if let Ok(text) = String::from_utf8(text) {
                    agree(&text);
                }
            }
        }
    }
}

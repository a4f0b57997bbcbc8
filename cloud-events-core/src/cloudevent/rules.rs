//! The type rules of CloudEvents attributes (spec 1.0, "Type System" and "Context
//! Attributes"): each check names the attribute and the rule it breaks.

use super::CloudEventError;

fn broken(attribute: &str, rule: &'static str) -> CloudEventError {
    CloudEventError::Attribute {
        attribute: attribute.to_owned(),
        rule,
    }
}

/// RFC 3986 URI-reference: only the characters a URI may hold, with `%` escapes well formed.
pub(super) fn uri_reference(attribute: &str, value: &str) -> Result<(), CloudEventError> {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'%' => {
                let hex = |k: usize| bytes.get(k).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return Err(broken(
                        attribute,
                        "not a URI-reference: `%` must start a %XX escape",
                    ));
                }
                i += 3;
                continue;
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => {}
            b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@' | b'!' | b'$'
            | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => {}
            _ => {
                return Err(broken(
                    attribute,
                    "not a URI-reference: only URI characters are allowed (escape others as %XX)",
                ));
            }
        }
        i += 1;
    }
    Ok(())
}

/// `value` with every character a URI-reference cannot hold (and stray `%`) escaped as `%XX`.
pub(crate) fn escape_uri_reference(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    for (i, &b) in bytes.iter().enumerate() {
        let escape_ok = b == b'%'
            && bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
        if b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b) || escape_ok {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// RFC 3986 absolute URI: a URI-reference that starts with a scheme.
pub(super) fn uri(attribute: &str, value: &str) -> Result<(), CloudEventError> {
    uri_reference(attribute, value)?;
    let scheme = value.split_once(':').map(|(scheme, _)| scheme).unwrap_or("");
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if valid {
        Ok(())
    } else {
        Err(broken(
            attribute,
            "not an absolute URI: it needs a scheme, as in https://...",
        ))
    }
}

/// RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`.
pub(super) fn timestamp(attribute: &str, value: &str) -> Result<(), CloudEventError> {
    if is_rfc3339(value) {
        Ok(())
    } else {
        Err(broken(attribute, "not RFC 3339"))
    }
}

fn is_rfc3339(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let (Some(hour), Some(minute), Some(second)) = (digits(11..13), digits(14..16), digits(17..19)) else {
        return false;
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return false;
    }
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day == 0 || day > days[month as usize - 1] {
        return false;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if count == 0 {
            return false;
        }
        rest = &fraction[count..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let _ = sign;
            let two = |x: u8, y: u8| x.is_ascii_digit() && y.is_ascii_digit();
            two(*h1, *h2)
                && two(*m1, *m2)
                && (*h1 - b'0') * 10 + (*h2 - b'0') <= 23
                && (*m1 - b'0') * 10 + (*m2 - b'0') <= 59
        }
        _ => false,
    }
}

/// RFC 2046 media type: `type/subtype`, optionally with parameters.
pub(super) fn media_type(attribute: &str, value: &str) -> Result<(), CloudEventError> {
    let essence = value.split(';').next().unwrap_or("").trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, subtype)) if token(kind) && token(subtype) => Ok(()),
        _ => Err(broken(attribute, "not a media type such as application/json")),
    }
}

/// Attribute names: lower-case ASCII letters and digits, at most 20 characters.
/// An extension's value is of a CloudEvents type: a string (which also carries URIs,
/// timestamps and binary), a boolean, or an integer within 32 bits. JSON `null` means the
/// attribute is absent.
pub(super) fn extension_value(name: &str, value: &serde_json::Value) -> Result<(), CloudEventError> {
    use serde_json::Value;
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => Ok(()),
        Value::Number(number) if number.as_i64().is_some_and(|n| i32::try_from(n).is_ok()) => Ok(()),
        Value::Number(_) => Err(broken(
            name,
            "extension integers must be whole numbers within 32 bits (write others as strings)",
        )),
        Value::Array(_) | Value::Object(_) => Err(broken(
            name,
            "extension values must be a string, a boolean or an integer, not an object or array",
        )),
    }
}

pub(super) fn extension_name(name: &str) -> Result<(), CloudEventError> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        return Err(broken(
            name,
            "extension names must be lower-case ASCII letters and digits",
        ));
    }
    if name.len() > 20 {
        return Err(broken(name, "extension names must be at most 20 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        for good in [
            "2018-04-05T03:56:24Z",
            "2024-02-29T23:59:60.123456+05:30",
            "2026-11-02t10:00:00z",
            "2026-01-01T00:00:00-00:00",
        ] {
            assert!(is_rfc3339(good), "{good}");
        }
        for bad in [
            "2018-04-05",
            "2023-02-29T00:00:00Z",
            "2018-04-05T24:00:00Z",
            "2018-04-05T03:56:24",
            "2018-04-05T03:56:24.Z",
            "2018-13-05T03:56:24Z",
            "2018-04-05T03:56:24+5:00",
            "yesterday",
            "",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn uris_and_media_types() {
        assert!(uri_reference("source", "/mycontext/subcontext").is_ok());
        assert!(uri_reference("source", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66").is_ok());
        assert!(uri_reference("source", "a b").is_err());
        assert!(uri_reference("source", "50%").is_err());
        assert_eq!(
            escape_uri_reference("arn:aws:x: 1%zz%41é"),
            "arn:aws:x:%201%25zz%41%C3%A9"
        );
        assert!(uri_reference("source", &escape_uri_reference("a b\"c")).is_ok());
        assert!(uri("dataschema", "https://example.com/schema.json").is_ok());
        assert!(uri("dataschema", "/relative").is_err());
        assert!(media_type("datacontenttype", "application/json; charset=utf-8").is_ok());
        assert!(media_type("datacontenttype", "json").is_err());
        assert!(extension_name("traceparent").is_ok());
        assert!(extension_name("averyveryverylongname1").is_err());
    }
}

//! The id that ties an event's log lines to the request that caused it (the `correlationId`
//! of JSON log lines): where each kind carries one, and a reader that takes one value from
//! the event's text without decoding the rest.

use crate::Kind;
use crate::condition::{Path, Segment};
use crate::scan::{Halt, Scanner, Step};
use std::borrow::Cow;

impl Kind {
    /// Where an event of this kind carries the id of the request or message that caused it,
    /// as paths of the `when` language, the first one present winning; empty for a kind that
    /// has none (an application names its own path for those).
    ///
    /// ```
    /// use cloud_events_core::Kind;
    /// assert_eq!(Kind::EventBridge.correlation_id_paths(), ["id"]);
    /// assert_eq!(Kind::ApiGatewayV2.correlation_id_paths(), ["requestContext.requestId"]);
    /// // ALB sends `multiValueHeaders` instead of `headers` when the target group asks.
    /// assert_eq!(Kind::Alb.correlation_id_paths()[0], "headers.x-amzn-trace-id");
    /// assert!(Kind::Sqs.correlation_id_paths().is_empty());
    /// ```
    pub const fn correlation_id_paths(self) -> &'static [&'static str] {
        match self {
            Kind::EventBridge | Kind::CloudEvents => &["id"],
            Kind::ApiGateway
            | Kind::ApiGatewayV2
            | Kind::ApiGatewayWebsocket
            | Kind::ApiGatewayAuthorizer
            | Kind::ApiGatewayV2Authorizer
            | Kind::LambdaUrl => &["requestContext.requestId"],
            Kind::Alb => &["headers.x-amzn-trace-id", "multiValueHeaders.x-amzn-trace-id[0]"],
            _ => &[],
        }
    }
}

/// The value at `path` in the JSON text `json`, as text: a string's value, or a number's or
/// `true`'s/`false`'s text. `None` when the path is absent or `null`, leads to an object or
/// an array, or the text is not JSON before it. A step into a string that holds JSON (an SQS
/// `body`, an SNS `Message`) reads that JSON, as conditions do.
///
/// Only the values on the way are read: the text is scanned, not decoded, and reading stops
/// at the value.
///
/// ```
/// use cloud_events_core::{Kind, condition::Path, read_scalar};
/// let path = Path::parse("requestContext.requestId").unwrap();
/// let id = read_scalar(Kind::ApiGatewayV2.sample(), &path);
/// assert_eq!(id.as_deref(), Some("Bq3yZhSvjoEEJqA="));
/// let body = Path::parse("Records[0].body.order").unwrap();
/// let event = r#"{"Records":[{"body":"{\"order\":42}"}]}"#;
/// assert_eq!(read_scalar(event, &body).as_deref(), Some("42"));
/// assert_eq!(read_scalar(event, &Path::parse("Records[1]").unwrap()), None);
/// ```
pub fn read_scalar(json: &str, path: &Path) -> Option<String> {
    let mut found = None;
    // Every way out is a halt: the value found, or the path not there.
    let _ = walk(&mut Scanner::new(json), &path.segments, &mut found);
    found
}

fn walk(scanner: &mut Scanner<'_>, segments: &[Segment], found: &mut Option<String>) -> Step {
    let Some((step, rest)) = segments.split_first() else {
        *found = match scanner.peek() {
            Some(b'"') => scanner.string()?.map(Cow::into_owned),
            Some(b'{' | b'[') => None,
            _ => scanner
                .maybe_scalar()?
                .filter(|text| *text != "null")
                .map(str::to_owned),
        };
        return Err(Halt::Decided);
    };
    match (scanner.peek(), step) {
        (Some(b'{'), Segment::Key(key)) => scanner.object(|scanner, name| {
            if name == key {
                walk(scanner, rest, found)
            } else {
                scanner.skip()
            }
        })?,
        (Some(b'['), Segment::Index(index)) => scanner.array(|scanner, at| {
            if at == *index {
                walk(scanner, rest, found)
            } else {
                scanner.skip()
            }
        })?,
        (Some(b'"'), _) => {
            if let Some(inner) = scanner.string()? {
                let _ = walk(&mut Scanner::new(&inner), segments, found);
            }
        }
        _ => {}
    }
    // Read to its end without meeting the step, or a value the step cannot go into.
    Err(Halt::Decided)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str, path: &str) -> Option<String> {
        read_scalar(json, &Path::parse(path).unwrap())
    }

    #[test]
    fn values_of_every_type_and_where_there_are_none() {
        let json =
            r#"{"a":{"s":"x\"y","n":-1.5e3,"t":true,"z":null,"o":{},"l":[1,"two"]},"b":"{\"c\":[\"d\"]}"}"#;
        assert_eq!(read(json, "a.s").as_deref(), Some("x\"y"));
        assert_eq!(read(json, "a.n").as_deref(), Some("-1.5e3"));
        assert_eq!(read(json, "a.t").as_deref(), Some("true"));
        assert_eq!(read(json, "a.z"), None);
        assert_eq!(read(json, "a.o"), None);
        assert_eq!(read(json, "a.l"), None);
        assert_eq!(read(json, "a.l[1]").as_deref(), Some("two"));
        assert_eq!(read(json, "a.l[2]"), None);
        assert_eq!(read(json, "a.missing"), None);
        assert_eq!(read(json, "a.s.deeper"), None);
        assert_eq!(read(json, "a[0]"), None);
        assert_eq!(read(json, "b.c[0]").as_deref(), Some("d"));
        // The value is read before the text breaks; after a break, nothing.
        assert_eq!(read(r#"{"id":"e-1","x":"#, "id").as_deref(), Some("e-1"));
        assert_eq!(read(r#"{"x" 1, "id":"e-1"}"#, "id"), None);
    }

    #[test]
    fn each_kinds_paths_find_its_id_in_its_sample() {
        for &kind in Kind::ALL {
            let paths = kind.correlation_id_paths();
            let found = paths.iter().find_map(|path| read(kind.sample(), path));
            assert_eq!(found.is_some(), !paths.is_empty(), "{kind}: {paths:?}");
        }
    }

    #[test]
    fn an_alb_target_group_with_multi_value_headers_is_read_too() {
        let event = r#"{"requestContext":{"elb":{}},"multiValueHeaders":{"x-amzn-trace-id":["Root=1-abc"]}}"#;
        let found = Kind::Alb
            .correlation_id_paths()
            .iter()
            .find_map(|path| read(event, path));
        assert_eq!(found.as_deref(), Some("Root=1-abc"));
    }
}

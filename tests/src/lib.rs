//! Helpers shared by the cross-crate tests.

pub mod cargo_lambda;
pub mod dynamodb_server;
pub mod otlp_receiver;
pub mod pip;
pub mod stand_in;

/// Events for the runtime tests.
pub mod events {
    /// Payloads that are not a well-formed event, each with what it is and the `errorType` it
    /// is answered with, on every path (the app runs with `TEST_MAX_DEPTH=32`).
    pub fn bad_payloads() -> Vec<(&'static str, Vec<u8>, &'static str)> {
        let s3 = serde_json::to_vec(&s3("uploads/a.pdf")).expect("JSON");
        let deep = format!(
            r#"{{"Records":[{{"eventSource":"aws:s3","x":{}1{}}}]}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        let big = format!(
            r#"{{"Records":[{{"eventSource":"aws:s3","x":"{}"}}]}}"#,
            "a".repeat(7 * 1024 * 1024)
        );
        let bodies: Vec<String> = (0..10_001).map(|i| format!("m{i}")).collect();
        let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
        vec![
            ("not JSON", b"{not json}".to_vec(), "InvalidEvent"),
            (
                "not UTF-8",
                b"{\"Records\":[{\"eventSource\":\"aws:s3\",\"key\":\"\xff\"}]}".to_vec(),
                "InvalidEvent",
            ),
            ("an empty body", Vec::new(), "InvalidEvent"),
            ("truncated", s3[..s3.len() / 2].to_vec(), "InvalidEvent"),
            (
                "not JSON after the decisive marker",
                br#"{"Records":[{"eventSource":"aws:sqs","messageId":"m1","body":"x"}],"#.to_vec(),
                "InvalidEvent",
            ),
            ("nesting past the limit", deep.into_bytes(), "LimitExceeded"),
            ("over the size cap", big.into_bytes(), "LimitExceeded"),
            (
                "over the record cap",
                serde_json::to_vec(&sqs_batch(&bodies)).expect("JSON"),
                "LimitExceeded",
            ),
        ]
    }

    use serde_json::{Value, json};

    /// An SQS event with one record per body, ids `m1`, `m2`, ...
    pub fn sqs_batch(bodies: &[&str]) -> Value {
        let records: Vec<Value> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                json!({"messageId": format!("m{}", i + 1), "body": body, "eventSource": "aws:sqs",
                       "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q", "awsRegion": "eu-west-1",
                       "attributes": {}, "messageAttributes": {}})
            })
            .collect();
        json!({ "Records": records })
    }

    /// A Kinesis event of one record (`lambda-test-app`'s handler of it panics).
    pub fn kinesis() -> Value {
        json!({"Records": [{"eventSource": "aws:kinesis", "eventID": "shardId-000000000000:1",
            "eventName": "aws:kinesis:record", "eventVersion": "1.0", "awsRegion": "eu-west-1",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/r",
            "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/s",
            "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": "1",
                "data": "aGk=", "approximateArrivalTimestamp": 1793612400.123}}]})
    }

    /// An S3 notification of one uploaded object.
    pub fn s3(key: &str) -> Value {
        json!({"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1",
            "eventTime": "2026-11-02T09:15:27.314Z", "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "AWS:X"}, "requestParameters": {"sourceIPAddress": "10.0.0.1"},
            "responseElements": {},
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "b", "arn": "arn:aws:s3:::b"},
                   "object": {"key": key, "size": 1}}
        }]})
    }
}

use std::path::{Path, PathBuf};

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// A fixture under `tests/fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

/// The shared corpus named by `CLOUD_EVENTS_CORPUS`, resolved against the workspace root when
/// relative (CI exports `../shared/corpus`).
pub fn corpus() -> Option<PathBuf> {
    let value = std::env::var_os("CLOUD_EVENTS_CORPUS")?;
    let path = PathBuf::from(value);
    if path.is_absolute() {
        return Some(path);
    }
    let from_cwd = std::env::current_dir().ok()?.join(&path);
    if from_cwd.exists() {
        Some(from_cwd)
    } else {
        Some(workspace_root().join(path))
    }
}

/// The kinds table as the guide's Kinds chapter shows it, generated from [`Kind::ALL`].
///
/// [`Kind::ALL`]: cloud_events_lambda::Kind::ALL
pub fn kinds_markdown_table() -> String {
    let mut table = String::from(
        "| route key | event | marker (first matching row wins) | handler receives | feature |\n| --- | --- | --- | --- | --- |\n",
    );
    for kind in cloud_events_lambda::Kind::ALL {
        table.push_str(&format!(
            "| `{}` | {} | {} | `{}` | {} |\n",
            kind.key(),
            kind.title(),
            kind.marker(),
            kind.event_type(),
            kind.feature()
                .map(|f| format!("`{f}`"))
                .unwrap_or_else(|| "(always)".to_owned())
        ));
    }
    table
}

/// The CloudEvents mapping of every kind as the guide's CloudEvents chapter shows it, generated from
/// `cloud_events_core::adapt::mapping`.
pub fn adapters_markdown_table() -> String {
    use cloud_events_lambda::adapt::{DataRule, Piece, Rule, mapping};
    fn rule(rule: Rule) -> String {
        if rule.is_empty() {
            return "-".to_owned();
        }
        rule.iter()
            .map(|alternative| {
                alternative
                    .iter()
                    .map(|piece| match piece {
                        Piece::Path(path) => format!("`{path}`"),
                        Piece::Text(text) => format!("\"{text}\""),
                        Piece::Millis(path) => format!("`{path}` (ms)"),
                        Piece::Seconds(path) => format!("`{path}` (s)"),
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect::<Vec<_>>()
            .join(", else ")
    }
    let mut table = String::from(
        "| route key | one CloudEvent per | id | source | type | time | subject | data |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for kind in cloud_events_lambda::Kind::ALL {
        let Some(m) = mapping(*kind) else {
            table.push_str(&format!(
                "| `{}` | event | (the event itself) | | | | | |\n",
                kind.key()
            ));
            continue;
        };
        let per = match m.records {
            None => "event".to_owned(),
            Some("[]") => "array item".to_owned(),
            Some(key) => format!("`{}` item", key.trim_end_matches("{}")),
        };
        let data = match m.data {
            DataRule::Record => "the record".to_owned(),
            DataRule::At(path) => format!("`{path}`"),
            DataRule::JsonString(path) => format!("`{path}` (JSON in a string)"),
            DataRule::Base64(path) => format!("`{path}` (base64, as `data_base64`)"),
        };
        let ty = if m.ty.is_empty() {
            format!("\"com.amazonaws.{}\"", kind.key().trim_start_matches("aws."))
        } else {
            rule(m.ty)
        };
        let source = if m.source.is_empty() {
            format!("\"{}\"", kind.key())
        } else {
            rule(m.source)
        };
        table.push_str(&format!(
            "| `{}` | {per} | {}, else a random UUID | {source} | {ty} | {} | {} | {data} |\n",
            kind.key(),
            rule(m.id),
            rule(m.time),
            rule(m.subject),
        ));
    }
    table
}

/// The guide's (Idempotency chapter) table of default idempotency keys: every kind that has one, from
/// `Kind::idempotency_key`.
pub fn idempotency_keys_markdown_table() -> String {
    use cloud_events_lambda::{Kind, Receives};
    let mut table = String::from("| route key | key of | fields |\n| --- | --- | --- |\n");
    for kind in Kind::ALL {
        let Some(key) = kind.idempotency_key() else {
            continue;
        };
        let of = match key.of {
            Receives::EachRecord => "each record",
            _ => "the event",
        };
        let fields: Vec<String> = key.paths.iter().map(|path| format!("`{path}`")).collect();
        table.push_str(&format!("| `{}` | {of} | {} |\n", kind.key(), fields.join(" + ")));
    }
    table
}

/// A line of a Rust code block in documentation, as rustdoc reads it: whether it is hidden
/// from readers (`# line`, or `#` alone, after any indentation), and the line the compiler
/// gets (`# line` is `line`, `##` is `#`).
///
/// ```
/// use cloud_events_tests::doc_test_line;
/// assert_eq!(doc_test_line("#     let x = 1;"), (true, "    let x = 1;".to_owned()));
/// assert_eq!(doc_test_line("    # }"), (true, "    }".to_owned()));
/// assert_eq!(doc_test_line("#"), (true, String::new()));
/// assert_eq!(doc_test_line("##[derive(Debug)]"), (false, "#[derive(Debug)]".to_owned()));
/// assert_eq!(doc_test_line("#[on_event(default)]"), (false, "#[on_event(default)]".to_owned()));
/// ```
pub fn doc_test_line(line: &str) -> (bool, String) {
    let indent = line.len() - line.trim_start().len();
    let (lead, text) = line.split_at(indent);
    if text == "#" {
        (true, String::new())
    } else if let Some(hidden) = text.strip_prefix("# ") {
        (true, format!("{lead}{hidden}"))
    } else if let Some(escaped) = text.strip_prefix("##") {
        (false, format!("{lead}#{escaped}"))
    } else {
        (false, line.to_owned())
    }
}

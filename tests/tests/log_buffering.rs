//! Held log lines through the dispatcher (issue #24): each way an invocation fails writes what
//! it held (a handler's error, a panic, the deadline, a failed record of a batch), ahead of
//! the lines that say so; a successful one writes none; the correlation id of an EventBridge
//! event is its `id`. With the log writer `App::run` installs (JSON at INFO, DEBUG held),
//! writing to a buffer.

use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::{App, Context, Dispatcher, Kind, LogBuffer, Logs, RawEvent, on_event};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Does what the event's `source` says, after a DEBUG line.
#[on_event("aws.events")]
async fn scheduled(event: RawEvent) -> Result<(), String> {
    let event: Value = serde_json::from_str(event.json()).map_err(|e| e.to_string())?;
    let what = event["source"].as_str().unwrap_or_default().to_owned();
    tracing::debug!(what = what.as_str(), "held before the outcome");
    match what.as_str() {
        "test.fail" => Err("the payment was declined".to_owned()),
        "test.panic" => panic!("the ledger exploded"),
        "test.wait" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Fails on a body of `fail`, after a DEBUG line.
#[on_event("aws.sqs")]
fn queued(message: SqsMessage) -> Result<(), String> {
    let body = message.body.unwrap_or_default();
    tracing::debug!(body = body.as_str(), "held for the record");
    if body == "fail" {
        return Err("the record was refused".to_owned());
    }
    Ok(())
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What one invocation of `event` wrote, each line a JSON object, and its answer's error
/// type, if it failed.
fn invoke(event: Value, context: Context) -> (Vec<Map<String, Value>>, Option<String>) {
    let logs = Logs::new().buffer(LogBuffer::new(tracing::Level::DEBUG));
    let vars = [
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
        ("AWS_LAMBDA_FUNCTION_NAME", "orders"),
    ];
    let out = Captured::default();
    let writer = out.clone();
    let (dispatch, dispatcher): (_, Dispatcher) =
        cloud_events_lambda::__private::logged_app(App::new().logs(logs), &vars, move || writer.clone())
            .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let answer = tracing::dispatcher::with_default(&dispatch, || {
        runtime.block_on(dispatcher.dispatch(&event.to_string(), context))
    });
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines = text
        .lines()
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(map)) => map,
            other => panic!("not a JSON object: {line} ({other:?})"),
        })
        .collect();
    (lines, answer.err().map(|error| error.error_type().to_owned()))
}

fn eventbridge(source: &str) -> Value {
    let mut event: Value = serde_json::from_str(Kind::EventBridge.sample()).unwrap();
    event["source"] = json!(source);
    event
}

fn position(lines: &[Map<String, Value>], level: &str, message: &str) -> Option<usize> {
    lines.iter().position(|line| {
        line["level"] == level && line["message"].as_str().is_some_and(|m| m.starts_with(message))
    })
}

#[test]
fn each_way_an_invocation_fails_writes_what_it_held_ahead_of_the_error() {
    for (source, error_type) in [
        ("test.fail", "HandlerFailed"),
        ("test.panic", "HandlerPanicked"),
        ("test.wait", "DeadlineExceeded"),
    ] {
        // The deadline 400 ms away; the framework stops handlers 200 ms before it.
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let context = Context {
            deadline_ms: (now + Duration::from_millis(400)).as_millis() as u64,
            ..Context::local(1, "orders")
        };
        let (lines, answered) = invoke(eventbridge(source), context);
        assert_eq!(answered.as_deref(), Some(error_type), "{source}: {lines:#?}");
        let held = position(&lines, "DEBUG", "held before the outcome")
            .unwrap_or_else(|| panic!("{source}: the held line was not written: {lines:#?}"));
        let error = lines
            .iter()
            .position(|line| line["level"] == "ERROR" && line["errorType"] == error_type)
            .unwrap_or_else(|| panic!("{source}: no ERROR line: {lines:#?}"));
        assert!(held < error, "{source}: {lines:#?}");
        assert_eq!(lines[held]["what"], source);
        // Every line of the invocation carries its keys; the correlation id is the event's.
        let sample: Value = serde_json::from_str(Kind::EventBridge.sample()).unwrap();
        for line in &lines {
            assert_eq!(
                line.get("correlationId"),
                Some(&sample["id"]),
                "{source}: {line:?}"
            );
            assert_eq!(line["functionName"], "orders");
            assert!(line["coldStart"].is_boolean());
        }
    }
}

#[test]
fn a_successful_invocation_writes_none_of_what_it_held() {
    let (lines, answered) = invoke(eventbridge("test.ok"), Context::local(1, "orders"));
    assert_eq!(answered, None);
    assert!(lines.is_empty(), "{lines:#?}");
}

#[test]
fn a_failed_record_writes_what_every_record_held_ahead_of_the_lines_that_say_so() {
    let record = |id: &str, body: &str| {
        json!({"messageId": id, "receiptHandle": "r", "body": body, "attributes": {}, "messageAttributes": {},
               "md5OfBody": "0", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:orders", "awsRegion": "eu-west-1"})
    };
    let batch = json!({"Records": [record("m-1", "ok"), record("m-2", "fail"), record("m-3", "ok")]});
    let (lines, answered) = invoke(batch, Context::local(1, "orders"));
    assert_eq!(answered, None, "a partial failure is an answer: {lines:#?}");
    let held: Vec<&str> = lines
        .iter()
        .filter(|line| line["level"] == "DEBUG")
        .map(|line| line["body"].as_str().unwrap())
        .collect();
    assert_eq!(held, ["ok", "fail", "ok"], "{lines:#?}");
    let last_held = lines.iter().rposition(|line| line["level"] == "DEBUG").unwrap();
    let failed = position(&lines, "WARN", "record failed").expect("the record's failure");
    assert!(last_held < failed, "{lines:#?}");
    assert_eq!(lines[failed]["recordId"], "m-2");
    // No correlation id for SQS unless the app names one.
    assert!(lines.iter().all(|line| !line.contains_key("correlationId")));
}

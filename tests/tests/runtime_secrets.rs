//! Logs never carry the event's payload (it holds personal data) nor the credentials Lambda
//! puts in the environment, even at the most verbose log level and when decoding fails on a
//! payload's value (issue #7).

use cloud_events_tests::events::{s3, sqs_batch};
use cloud_events_tests::stand_in::{Answer, Invocation, Run, serve};
use serde_json::json;

const MARKER: &str = "PII-7f3a-jane.doe@example.com";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_at_trace_level_hold_neither_payloads_nor_credentials() {
    // The marker where a decoder quotes the offending value (a number expected), in a record
    // that fails, in a key, and in an event no handler takes.
    let mut bad_size = s3(MARKER);
    bad_size["Records"][0]["s3"]["object"]["size"] = json!(MARKER);
    let invocations = vec![
        Invocation::new("ok", &s3(MARKER)),
        Invocation::new("decode", &bad_size),
        Invocation::new("batch", &sqs_batch(&[MARKER, "fail", MARKER])),
        Invocation::new(
            "unroutable",
            &json!({"source": MARKER, "detail-type": MARKER, "detail": {"who": MARKER}}),
        ),
        Invocation::new(
            "invalid",
            &json!({"specversion": "1.0", "id": MARKER, "source": "/a b", "type": MARKER}),
        ),
    ];
    let run = Run {
        env: vec![
            ("RUST_LOG".into(), "trace".into()),
            ("AWS_ACCESS_KEY_ID".into(), "AKIAEXAMPLEACCESSKEY".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()),
            ("AWS_SESSION_TOKEN".into(), SESSION_TOKEN.into()),
        ],
        ..Run::new(env!("CARGO_BIN_EXE_lambda-test-app"))
    };
    let outcome = serve(invocations, run).await;
    assert_eq!(outcome.answers.len(), 5, "{}", outcome.stderr);
    // The decoding failure is answered in full to Lambda (the caller needs it)...
    let Some(Answer::Error { body, .. }) = outcome.answer("decode") else {
        panic!("{:?}", outcome.answer("decode"));
    };
    assert_eq!(body["errorType"], "EventDecodeFailed");
    assert!(body["errorMessage"].as_str().unwrap().contains("size"), "{body}");
    // ...but the logs, verbose as they are, carry no payload value and no credential.
    let logs = &outcome.stderr;
    assert!(logs.lines().count() > 10, "trace logs were written: {logs}");
    assert!(logs.contains("EventDecodeFailed"), "failures are logged: {logs}");
    for secret in [
        MARKER,
        "jane.doe",
        SECRET_KEY,
        SESSION_TOKEN,
        "AKIAEXAMPLEACCESSKEY",
    ] {
        let leaks: Vec<&str> = logs.lines().filter(|line| line.contains(secret)).collect();
        assert!(
            leaks.is_empty(),
            "`{secret}` is in the logs:\n{}",
            leaks.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_are_logged_when_the_app_turns_it_on() {
    let run = Run {
        env: vec![
            ("RUST_LOG".into(), "debug".into()),
            ("TEST_LOG_PAYLOADS".into(), "1".into()),
        ],
        ..Run::new(env!("CARGO_BIN_EXE_lambda-test-app"))
    };
    let outcome = serve(vec![Invocation::new("ok", &s3(MARKER))], run).await;
    assert_eq!(outcome.answers.len(), 1, "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .lines()
            .any(|l| l.contains("event received") && l.contains(MARKER)),
        "{}",
        outcome.stderr
    );
}

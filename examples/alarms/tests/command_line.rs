//! End to end: the `alarms` binary routes each alarm transition by its `when` condition and
//! sends through the notifier its handler names.

use serde_json::{Value, json};
use std::process::Command;

fn invoke(file: &str) -> (Option<i32>, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_alarms"))
        .args(["invoke", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("alarms runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    (
        output.status.code(),
        serde_json::from_str(stdout.trim()).expect("one JSON line"),
    )
}

#[test]
fn ok_to_alarm_pages_slack() {
    let (code, response) = invoke("events/sns-alarm-ok-to-alarm.json");
    assert_eq!(code, Some(0));
    assert_eq!(response[0]["channel"], "slack");
    assert_eq!(response[0]["to"], "#on-call");
    assert!(
        response[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("checkout-5xx is in ALARM: Threshold Crossed")
    );
}

#[test]
fn alarm_to_ok_emails() {
    let (code, response) = invoke("events/sns-alarm-alarm-to-ok.json");
    assert_eq!(code, Some(0));
    assert_eq!(
        response,
        json!([{"channel": "email", "to": "ops@example.com", "text": "checkout-5xx is OK again"}])
    );
}

#[test]
fn other_transitions_go_to_the_default_handler() {
    let (code, response) = invoke("events/sns-alarm-insufficient-data.json");
    assert_eq!(code, Some(0));
    assert_eq!(response, json!({"ignored": "aws.sns"}));
}

//! End to end: `orders invoke` answers with exactly the rejected messages.

use serde_json::{Value, json};
use std::process::Command;

fn invoke(file: &str) -> (Option<i32>, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_orders"))
        .args(["invoke", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("orders runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    (
        output.status.code(),
        serde_json::from_str(stdout.trim()).expect("one JSON line"),
        stderr,
    )
}

fn id(n: u32) -> String {
    format!("0e7c1a{n:02}-4b2d-4f8e-9a61-5c3d2e1f0a{n:02}")
}

#[test]
fn a_standard_queue_reports_exactly_the_rejected_messages() {
    let (code, response, logs) = invoke("events/standard-mixed.json");
    assert_eq!(code, Some(0));
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": id(2)}, {"itemIdentifier": id(3)}, {"itemIdentifier": id(5)}]})
    );
    assert!(logs.contains("amount -400 is not positive"), "{logs}");
    assert!(logs.contains("body does not decode into Order"), "{logs}");
    assert!(logs.contains("missing field `amount`"), "{logs}");
}

#[test]
fn a_fifo_queue_stops_at_the_first_rejection() {
    let (code, response, logs) = invoke("events/fifo-failure-in-the-middle.json");
    assert_eq!(code, Some(0));
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": id(13)}, {"itemIdentifier": id(14)}, {"itemIdentifier": id(15)}]})
    );
    assert_eq!(
        logs.matches("order booked").count(),
        2,
        "only the two before the rejection: {logs}"
    );
}

#[test]
fn all_good_reports_no_failures() {
    let (code, response, _) = invoke("events/standard-all-good.json");
    assert_eq!(code, Some(0));
    assert_eq!(response, json!({"batchItemFailures": []}));
}

/// `orders invoke` with JSON logs, as on Lambda: the same held lines.
fn invoke_json(file: &str) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_orders"))
        .args(["invoke", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("RUST_LOG")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
        .output()
        .expect("orders runs");
    String::from_utf8(output.stderr)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

#[test]
fn the_command_line_holds_debug_lines_as_lambda_does() {
    let held = |lines: &[Value]| -> Vec<String> {
        lines
            .iter()
            .filter(|line| line["message"] == "ledger updated")
            .map(|line| line["order"].as_str().unwrap().to_owned())
            .collect()
    };
    // Every order booked: what was held is dropped.
    let good = invoke_json("events/standard-all-good.json");
    assert!(held(&good).is_empty(), "{good:#?}");
    assert_eq!(
        good.iter()
            .filter(|line| line["message"] == "order booked")
            .count(),
        2
    );
    // Rejected messages: the booked orders' lines are written, before the rejections.
    let mixed = invoke_json("events/standard-mixed.json");
    let mut orders = held(&mixed);
    orders.sort();
    assert_eq!(orders, ["ord-0001", "ord-0004"], "{mixed:#?}");
    let last_held = mixed
        .iter()
        .rposition(|line| line["message"] == "ledger updated")
        .unwrap();
    let first_rejection = mixed
        .iter()
        .position(|line| line["message"].as_str().unwrap().starts_with("record failed"))
        .unwrap();
    assert!(last_held < first_rejection, "{mixed:#?}");
    assert!(mixed.iter().all(|line| line["service"] == "orders"));
}

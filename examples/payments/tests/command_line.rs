//! End to end on the command line (records in memory): every sample event reaches the
//! idempotent handler, a declined card fails its message alone, and a message delivered
//! twice in one batch is captured once.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

struct Invoked {
    code: Option<i32>,
    answer: Value,
    logs: String,
    ledger: Vec<String>,
}

fn invoke(file: &str) -> Invoked {
    invoke_all(&[file])
}

fn invoke_all(files: &[&str]) -> Invoked {
    let file = files.join(" ");
    let ledger = std::env::temp_dir().join(format!(
        "payments-ledger-{}-{}",
        std::process::id(),
        file.replace('/', "-")
    ));
    let _ = std::fs::remove_file(&ledger);
    let output = Command::new(env!("CARGO_BIN_EXE_payments"))
        .arg("invoke")
        .args(files)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("IDEMPOTENCY_TABLE")
        .env("PAYMENTS_LEDGER", &ledger)
        .output()
        .expect("payments runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let captured = std::fs::read_to_string(&ledger).unwrap_or_default();
    let _ = std::fs::remove_file(&ledger);
    Invoked {
        code: output.status.code(),
        answer: serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("a JSON line"),
        logs: String::from_utf8(output.stderr).unwrap(),
        ledger: captured.lines().map(str::to_owned).collect(),
    }
}

#[test]
fn every_sample_event_reaches_the_idempotent_handler() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("events");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let invoked = invoke(&format!("events/{name}"));
        assert_eq!(invoked.code, Some(0), "{name}: {}", invoked.logs);
        assert!(
            invoked.answer.get("batchItemFailures").is_some(),
            "{name}: {}",
            invoked.answer
        );
        assert!(
            invoked.logs.contains("capture"),
            "{name} reached no handler: {}",
            invoked.logs
        );
        seen += 1;
    }
    assert!(seen >= 3, "{seen} events");
}

#[test]
fn a_declined_card_fails_its_message_alone() {
    let invoked = invoke("events/declined.json");
    assert_eq!(
        invoked.answer,
        json!({"batchItemFailures": [{"itemIdentifier": "5f1c9a40-6e2b-4c8d-9f3a-1b2c3d4e5f03"}]})
    );
    assert_eq!(invoked.ledger, ["pay-1004 700 EUR"]);
    assert!(
        invoked.logs.contains("card 0000-xxxx-xxxx-0002 was declined"),
        "{}",
        invoked.logs
    );
}

#[test]
fn a_message_delivered_twice_in_one_batch_is_captured_once() {
    let invoked = invoke("events/duplicate-in-batch.json");
    assert_eq!(invoked.answer, json!({"batchItemFailures": []}));
    assert_eq!(invoked.ledger, ["pay-1005 1500 EUR"]);
}

#[test]
fn a_redelivered_batch_is_replayed_logged_and_counted() {
    let invoked = invoke_all(&["events/payments.json", "events/payments.json"]);
    assert_eq!(invoked.code, Some(0), "{}", invoked.logs);
    assert_eq!(invoked.answer, json!({"batchItemFailures": []}));
    assert_eq!(invoked.ledger, ["pay-1001 12950 EUR", "pay-1002 4990 EUR"]);
    // At INFO, with the record's id (its key prefix, then the key's hash).
    let replays: Vec<&str> = invoked
        .logs
        .lines()
        .filter(|line| line.contains("already handled"))
        .collect();
    assert_eq!(replays.len(), 2, "{}", invoked.logs);
    assert!(
        replays
            .iter()
            .all(|line| line.contains("INFO") && line.contains("idempotencyKey=payments.capture#")),
        "{replays:?}"
    );
    // The built-in metric, in the second invocation's EMF document.
    let documents: Vec<Value> = invoked
        .logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|document| document.get("_aws").is_some())
        .collect();
    assert!(
        documents
            .iter()
            .any(|document| document["IdempotentReplays"] == json!(2)),
        "{documents:?}"
    );
}

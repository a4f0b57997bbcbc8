//! End to end against a real implementation of DynamoDB's API (dynalite, started here on
//! 127.0.0.1): `payments` processes, on the command line and on the Runtime API stand-in,
//! share one table. Each payment is captured once, counted in the gateway's ledger: by two
//! processes at once, by one process serving two invocations at once
//! (`AWS_LAMBDA_MAX_CONCURRENCY`), and after a process killed in the middle of a capture.

use cloud_events_tests::dynamodb_server::{self, DynamoDbServer};
use cloud_events_tests::stand_in::{Answer, Invocation, Run, serve};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A dynalite with the table, and the environment that points `payments` at it.
struct Table {
    _server: DynamoDbServer,
    env: Vec<(String, String)>,
    ledger: PathBuf,
}

impl Table {
    async fn new(name: &str) -> Option<Table> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let server = DynamoDbServer::start_for_test(dir, name)?;
        let client = dynamodb_server::client(&server.endpoint());
        dynamodb_server::create_table(&client, "payments-idempotency")
            .await
            .expect("the table");
        let ledger = dir.join(format!("payments-ledger-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&ledger);
        let env = [
            ("IDEMPOTENCY_TABLE", "payments-idempotency".to_owned()),
            ("AWS_ENDPOINT_URL_DYNAMODB", server.endpoint()),
            ("AWS_REGION", "eu-west-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "local".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
            ("PAYMENTS_LEDGER", ledger.display().to_string()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        Some(Table {
            _server: server,
            env,
            ledger,
        })
    }

    /// The ledger's lines: one per capture.
    fn captures(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.ledger).unwrap_or_default();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    }

    fn invoke(&self, file: &str, delay_ms: u64) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_payments"));
        command
            .args(["invoke", file])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("PAYMENTS_GATEWAY_DELAY_MS", delay_ms.to_string())
            .kill_on_drop(true);
        command
    }

    fn run(&self, delay_ms: u64, timeout: Duration) -> Run {
        let mut env = self.env.clone();
        env.push(("PAYMENTS_GATEWAY_DELAY_MS".to_owned(), delay_ms.to_string()));
        Run {
            env,
            timeout,
            ..Run::new(env!("CARGO_BIN_EXE_payments"))
        }
    }
}

fn event(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const BOTH: [&str; 2] = ["pay-1001 12950 EUR", "pay-1002 4990 EUR"];

#[tokio::test]
async fn two_processes_with_one_batch_capture_each_payment_once() {
    let Some(table) = Table::new("two-processes").await else {
        return;
    };
    let a = table.invoke("events/payments.json", 2_000).output();
    let b = table.invoke("events/payments.json", 2_000).output();
    let (a, b) = tokio::join!(a, b);
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(table.captures(), BOTH);
    // Each payment ran in one process; the other was told it is in progress (its record
    // failed, or its whole batch when it claimed neither).
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    assert!(logs.contains("IdempotencyAlreadyInProgress"), "{logs}");
    // Delivered again later: both receipts replayed, nothing captured.
    let again = table.invoke("events/payments.json", 0).output().await.unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        r#"{"batchItemFailures":[]}"#
    );
    assert_eq!(table.captures(), BOTH);
}

#[tokio::test]
async fn one_process_serving_two_invocations_at_once_captures_once() {
    let Some(table) = Table::new("concurrency").await else {
        return;
    };
    let payments = event("events/payments.json");
    let invocations = vec![
        Invocation::new("first", &payments),
        Invocation::new("second", &payments),
    ];
    let outcome = serve(
        invocations,
        Run {
            concurrency: 2,
            ..table.run(2_000, Duration::from_secs(60))
        },
    )
    .await;
    assert_eq!(outcome.answers.len(), 2, "{}", outcome.stderr);
    assert_eq!(table.captures(), BOTH);
    // Each message ran in one invocation and was refused as in progress by the other (which
    // reported it failed, or failed whole when it had claimed neither).
    let ids = [
        "5f1c9a40-6e2b-4c8d-9f3a-1b2c3d4e5f01",
        "5f1c9a40-6e2b-4c8d-9f3a-1b2c3d4e5f02",
    ];
    let mut refused = Vec::new();
    for received in &outcome.answers {
        match &received.answer {
            Answer::Response(body) => refused.extend(
                body["batchItemFailures"]
                    .as_array()
                    .expect("a partial batch response")
                    .iter()
                    .map(|item| item["itemIdentifier"].as_str().unwrap().to_owned()),
            ),
            Answer::Error { body, .. } => {
                let message = body["errorMessage"].as_str().unwrap_or_default();
                assert!(message.contains("IdempotencyAlreadyInProgress"), "{message}");
                refused.extend(ids.iter().map(|id| (*id).to_owned()));
            }
        }
    }
    refused.sort();
    assert_eq!(refused, ids, "{:?}", outcome.answers);
    assert!(
        outcome.stderr.contains("IdempotencyAlreadyInProgress"),
        "{}",
        outcome.stderr
    );
}

#[tokio::test]
async fn a_process_killed_mid_capture_is_taken_over_after_its_deadline() {
    let Some(table) = Table::new("killed").await else {
        return;
    };
    let payments = event("events/payments.json");
    // The capture takes 10 s; the invocation's deadline is 5 s away; the process is killed
    // after 1.5 s, leaving both records in progress until that deadline.
    let killed = serve(
        vec![Invocation::new("doomed", &payments).deadline_in(5_000)],
        table.run(10_000, Duration::from_millis(1_500)),
    )
    .await;
    assert!(killed.answers.is_empty(), "{:?}", killed.answers);
    assert!(table.captures().is_empty());
    // Redelivered before the deadline: still in progress, refused.
    let early = table.invoke("events/payments.json", 0).output().await.unwrap();
    assert!(String::from_utf8_lossy(&early.stderr).contains("IdempotencyAlreadyInProgress"));
    assert!(table.captures().is_empty());
    // Redelivered after it: taken over, captured once.
    tokio::time::sleep(Duration::from_millis(3_600)).await;
    let outcome = serve(
        vec![Invocation::new("redelivered", &payments)],
        table.run(0, Duration::from_secs(60)),
    )
    .await;
    let answer = &outcome.answers[0].answer;
    assert!(
        matches!(answer, Answer::Response(body) if body["batchItemFailures"] == serde_json::json!([])),
        "{answer:?}"
    );
    assert_eq!(table.captures(), BOTH);
}
